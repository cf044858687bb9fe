import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcpgw/service-kit';
import { readBrokerConfig } from './config.js';

describe('readBrokerConfig', () => {
  it('applies the documented defaults', () => {
    const config = readBrokerConfig({});
    expect(config).toMatchObject({
      port: 8082,
      lookupTimeoutMs: 2_500,
      sentraip: {
        baseUrl: 'http://127.0.0.1:8090',
        timeoutMs: 2_000,
        maxRetries: 2,
        maxConcurrency: 16,
        maxQueue: 1_000,
        breakerResetMs: 30_000,
      },
      token: { refreshAhead: true, backoffMs: 5_000 },
      cache: {
        maliciousTtlMs: 3_600_000,
        cleanTtlMs: 600_000,
        revalidateMs: 60_000,
        staleKeepMs: 86_400_000,
      },
    });
    expect(config.sentraip.clientId).toBeUndefined();
    expect(Object.isFrozen(config.sentraip)).toBe(true);
  });

  it('reads every knob', () => {
    const config = readBrokerConfig({
      SENTRAIP_CLIENT_ID: 'client',
      SENTRAIP_CLIENT_SECRET: 'secret-123',
      SENTRAIP_TIMEOUT_MS: '500',
      BROKER_TOKEN_REFRESH_AHEAD: 'false',
      THREAT_CACHE_REVALIDATE_S: '0',
    });
    expect(config.sentraip).toMatchObject({
      clientId: 'client',
      clientSecret: 'secret-123',
      timeoutMs: 500,
    });
    expect(config.token.refreshAhead).toBe(false);
    expect(config.cache.revalidateMs).toBe(0);
  });

  it('names every bad variable and masks secrets', () => {
    try {
      readBrokerConfig({
        SENTRAIP_CLIENT_SECRET: 'short',
        SENTRAIP_MAX_QUEUE: '-1',
        THREAT_CACHE_TTL_MALICIOUS_S: '0',
      });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toEqual([
        expect.stringContaining('invalid env var SENTRAIP_CLIENT_SECRET=***'),
        expect.stringContaining(
          'invalid env var SENTRAIP_MAX_QUEUE="-1" (must be an integer 0-100000)',
        ),
        expect.stringContaining(
          'invalid env var THREAT_CACHE_TTL_MALICIOUS_S="0" (must be seconds, 1-604800)',
        ),
      ]);
      expect(problems.join('\n')).not.toContain('short');
    }
  });
});
