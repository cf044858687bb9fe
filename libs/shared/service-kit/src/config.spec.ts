import fc from 'fast-check';
import Joi from 'joi';
import { describe, expect, it } from 'vitest';
import { ConfigError, displayEnvValue, envVar, loadConfig, readOtlpEndpoint, readSpanBatchSettings, serviceBasics, serviceEnvKeys } from './config.js';

const schema = Joi.object({
  ...serviceEnvKeys(8080),
  REDIS_URL: envVar.redisUrl(),
  BROKER_SERVICE_TOKEN: envVar.serviceToken(),
});

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig<Record<string, unknown>>(schema, {});
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 8080, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: 10_000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable at once, each by name', () => {
    const problems = problemsOf({ PORT: '99999', REDIS_URL: 'http://cache:6379', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems).toContain('invalid env var PORT="99999" (must be a TCP port 0-65535)');
    expect(problems).toContain('invalid env var REDIS_URL="http://cache:6379" (must be a redis:// or rediss:// URL)');
    expect(problems.some((p) => p.startsWith('invalid env var LOG_LEVEL="loud"'))).toBe(true);
  });

  it('never shows a secret value in the message', () => {
    const err = (() => {
      try {
        loadConfig(schema, { BROKER_SERVICE_TOKEN: 'tiny-secret' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.message).toContain('invalid env var BROKER_SERVICE_TOKEN=***');
    expect(err.message).not.toContain('tiny-secret');
  });

  it('masks credentials inside URLs', () => {
    const problems = problemsOf({ REDIS_URL: 'http://user:hunter2@cache:6379' });
    expect(problems[0]).toContain('http://***@cache:6379');
    expect(problems[0]).not.toContain('hunter2');
    const slashy = problemsOf({ REDIS_URL: 'http://default:s3cr/et+pw==@redis:6379' });
    expect(slashy[0]).not.toMatch(/s3cr|et\+pw/);
  });

  it('never prints a planted URL password (property)', () => {
    // A marker prefix keeps the planted secret from matching fixed text of the message by chance.
    const password = fc.string({ minLength: 1, maxLength: 40 }).filter((p) => !/\s/.test(p)).map((p) => `Zq9${p}`);
    fc.assert(
      fc.property(password, fc.constantFrom('http', 'ftp', 'mysql'), (secret, scheme) => {
        const problems = problemsOf({ REDIS_URL: `${scheme}://user:${secret}@host:6379/0` });
        expect(problems.join('\n')).not.toContain(secret);
      }),
    );
  });

  it('treats an empty variable as unset', () => {
    expect(problemsOf({ REDIS_URL: '', PORT: '' })).toEqual([]);
  });

  it('never accepts a port outside 0-65535 or a non-integer (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 65536 }), fc.integer({ max: -1 }), fc.double({ noInteger: true })), (n) => {
        expect(problemsOf({ PORT: String(n) }).length).toBe(1);
      }),
    );
  });
});

describe('displayEnvValue', () => {
  it('masks anything named like a secret and truncates long values', () => {
    expect(displayEnvValue('GATEWAY_ADMIN_KEY', 'abc')).toBe('***');
    expect(displayEnvValue('SENTRAIP_CLIENT_SECRET', 'abc')).toBe('***');
    expect(displayEnvValue('X', undefined)).toBe('(unset)');
    expect(displayEnvValue('X', 'a'.repeat(200)).length).toBeLessThan(90);
  });
});

describe('telemetry settings', () => {
  it('warns and disables export on a bad OTLP endpoint instead of failing', () => {
    expect(readOtlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }).warning).toMatch(/ignoring OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(readOtlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({
      endpoint: 'http://127.0.0.1:4318',
    });
    const basics = serviceBasics(loadConfig<Record<string, unknown>>(schema, {}), { OTEL_EXPORTER_OTLP_ENDPOINT: 'x' });
    expect(basics.otlpEndpoint).toBeUndefined();
    expect(basics.telemetryWarning).toBeDefined();
    expect(basics.otelSdkSettings).toBe(false);
  });

  it('notes OTEL_TRACES_SAMPLER or OTEL_SDK_DISABLED, which only NodeSDK applies', () => {
    const basicsOf = (env: NodeJS.ProcessEnv) => serviceBasics(loadConfig<Record<string, unknown>>(schema, {}), env);
    expect(basicsOf({ OTEL_TRACES_SAMPLER: 'always_off' }).otelSdkSettings).toBe(true);
    expect(basicsOf({ OTEL_SDK_DISABLED: 'true' }).otelSdkSettings).toBe(true);
    expect(basicsOf({ OTEL_TRACES_SAMPLER: '' }).otelSdkSettings).toBe(false);
    expect(basicsOf({}).otelSdkSettings).toBe(false);
  });

  it('reads the OTEL_BSP_* batch settings, and warns and keeps the default for a bad one', () => {
    const basicsOf = (env: NodeJS.ProcessEnv) => serviceBasics(loadConfig<Record<string, unknown>>(schema, {}), env);
    expect(basicsOf({}).spanBatch).toBeUndefined();
    expect(
      basicsOf({ OTEL_BSP_MAX_QUEUE_SIZE: '16384', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_SCHEDULE_DELAY: '0' }),
    ).toMatchObject({ spanBatch: { maxQueueSize: 16384, maxExportBatchSize: 2048, scheduledDelayMillis: 0 } });
    expect(basicsOf({}).telemetryWarning).toBeUndefined();

    const bad = readSpanBatchSettings({ OTEL_BSP_MAX_QUEUE_SIZE: '0', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1e3', OTEL_BSP_SCHEDULE_DELAY: '250' });
    expect(bad.settings).toEqual({ scheduledDelayMillis: 250 });
    expect(bad.warnings).toEqual([
      expect.stringContaining('ignoring OTEL_BSP_MAX_QUEUE_SIZE="0"'),
      expect.stringContaining('ignoring OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1e3"'),
    ]);
    expect(readSpanBatchSettings({ OTEL_BSP_MAX_QUEUE_SIZE: '256' })).toEqual({
      settings: { maxQueueSize: 256, maxExportBatchSize: 256 },
      warnings: ['the span export batch (512) is larger than the queue (OTEL_BSP_MAX_QUEUE_SIZE=256); batches of 256 are exported'],
    });
    const both = basicsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'x', OTEL_BSP_MAX_QUEUE_SIZE: '-5' });
    expect(both.spanBatch).toBeUndefined();
    expect(both.telemetryWarning).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT.*; ignoring OTEL_BSP_MAX_QUEUE_SIZE/);
  });
});
