import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcpgw/service-kit';
import { readCollectorConfig } from './config.js';

const problems = (env: Record<string, string>): string => {
  try {
    readCollectorConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('collector config', () => {
  it('applies defaults', () => {
    const config = readCollectorConfig({});
    expect(config).toMatchObject({
      port: 8083,
      ingest: {
        maxBatchEvents: 500,
        maxBatchBytes: 1_048_576,
        ratePerSecond: 2_000,
        rateBurst: 10_000,
      },
      dedupWindowMs: 86_400_000,
      lateEventMs: 3_600_000,
      audit: { maxEvents: 100_000, retentionMs: 604_800_000 },
      claimIdleMs: 15_000,
      gateway: { url: 'http://127.0.0.1:8080' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable at once', () => {
    const text = problems({
      COLLECTOR_MAX_BATCH_EVENTS: '501',
      COLLECTOR_LATE_EVENT_SECONDS: 'soon',
      GATEWAY_URL: 'ftp://x',
    });
    expect(text).toContain(
      'invalid env var COLLECTOR_MAX_BATCH_EVENTS="501" (must be an integer 1-500)',
    );
    expect(text).toContain('invalid env var COLLECTOR_LATE_EVENT_SECONDS="soon"');
    expect(text).toContain('invalid env var GATEWAY_URL=');
  });

  it('refuses a burst smaller than a full batch', () => {
    expect(problems({ COLLECTOR_RATE_LIMIT_BURST: '100' })).toContain('COLLECTOR_RATE_LIMIT_BURST');
  });
});
