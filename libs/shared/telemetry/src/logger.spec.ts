import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLines } from '../test/capture-lines.js';
import { createLogger } from './logger.js';
import { startTelemetry, type TelemetryHandle } from './node/index.js';
import { REDACTED } from './redact-patterns.js';
import { withSpan } from './tracing.js';

let telemetry: TelemetryHandle;
const warnings: string[] = [];

beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'logger-spec',
    logger: { warn: (message) => warnings.push(message) },
  });
});

afterAll(async () => {
  await telemetry.shutdown();
});

describe('createLogger', () => {
  it('writes one JSON object per line with the standard fields and the meta', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'gateway', stream: out.stream, base: { region: 'eu' } });
    logger.info('request completed', { status: 200, duration_ms: 3.2 });
    logger.warn('second line');
    const [first, second] = await out.records();
    expect(out.lines).toHaveLength(2);
    expect(first).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      level: 'info',
      service: 'gateway',
      message: 'request completed',
      region: 'eu',
      status: 200,
      duration_ms: 3.2,
    });
    expect(Object.keys(first ?? {}).slice(0, 4)).toEqual([
      'timestamp',
      'level',
      'service',
      'message',
    ]);
    expect(second).toMatchObject({ level: 'warn', message: 'second line' });
    expect(warnings).toEqual([]);
  });

  it('adds trace_id and span_id inside a span and not outside', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'gateway', stream: out.stream });
    let ids: { traceId: string; spanId: string } | undefined;
    await withSpan('work', {}, async (span) => {
      ids = span.spanContext();
      await Promise.resolve();
      logger.info('inside');
    });
    logger.info('outside');
    const [inside, outside] = await out.records();
    expect(inside).toMatchObject({ trace_id: ids?.traceId, span_id: ids?.spanId });
    expect(inside?.['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });

  it('stamps child loggers too, and keeps a child’s ids outside spans', async () => {
    const out = captureLines();
    const root = createLogger({ service: 'gateway', stream: out.stream });
    const child = root.child({
      request_id: 'r1',
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
    });
    let active = '';
    await withSpan('inner', {}, async (span) => {
      active = span.spanContext().spanId;
      child.info('in span');
    });
    child.info('after span');
    const [inSpan, after] = await out.records();
    expect(inSpan).toMatchObject({ request_id: 'r1', span_id: active });
    expect(after).toMatchObject({
      request_id: 'r1',
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
    });
  });

  it('serialises errors in meta without the stack at info level', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', stream: out.stream });
    const err = Object.assign(new Error('store down'), { code: 'STORE_UNAVAILABLE' });
    logger.error('request failed', { err });
    const [line] = await out.records();
    expect(line?.['err']).toEqual({
      name: 'Error',
      message: 'store down',
      code: 'STORE_UNAVAILABLE',
    });
    expect(out.lines[0]).not.toContain('logger.spec.ts');
  });

  it('keeps masked stacks at debug level', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', level: 'debug', stream: out.stream });
    logger.debug('failed', { err: new Error('Bearer abcdefghijklmnop') });
    const [line] = await out.records();
    expect(line?.['err']).toMatchObject({ stack: expect.stringContaining('logger.spec.ts') });
    expect(out.lines[0]).not.toContain('abcdefghijklmnop');
  });

  it('handles an Error passed as the only argument', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', stream: out.stream });
    logger.error(Object.assign(new Error(`sk-ant-${'k'.repeat(20)}`), { code: 'X' }));
    const [line] = await out.records();
    expect(line).toMatchObject({
      level: 'error',
      message: `sk-ant-${REDACTED}`,
      err: { code: 'X' },
    });
    expect(line).not.toHaveProperty('stack');
  });

  it('filters by level', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', level: 'warn', stream: out.stream });
    logger.info('dropped');
    logger.debug('dropped');
    logger.warn('kept');
    expect((await out.records()).map((l) => l['message'])).toEqual(['kept']);
  });

  it('warns and falls back to info on an unknown level', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', level: 'loud', stream: out.stream });
    logger.info('kept');
    logger.debug('dropped');
    const records = await out.records();
    expect(records.map((l) => l['message'])).toEqual(['unknown log level, using info', 'kept']);
    expect(records[0]).toMatchObject({ level: 'warn', requested_level: 'loud' });
  });

  it('redacts meta and messages, with extra keys from the options', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', stream: out.stream, redactKeys: ['ssn'] });
    logger.info('got Bearer abcdefghijklmnop', {
      headers: { authorization: 'Basic Zm9vOmJhcg==', 'mcp-session-id': 'sess-1' },
      ssn: '123-45-6789',
      params: { arguments: { path: '/etc/passwd' } },
    });
    const [line] = await out.records();
    expect(line).toMatchObject({
      message: `got Bearer ${REDACTED}`,
      headers: { authorization: REDACTED, 'mcp-session-id': REDACTED },
      ssn: REDACTED,
      params: { arguments: REDACTED },
    });
  });

  it('logs cyclic meta without throwing', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 's', stream: out.stream });
    const meta: Record<string, unknown> = { a: 1 };
    meta['self'] = meta;
    logger.info('cyclic', meta);
    const [line] = await out.records();
    // winston copies the meta into a fresh info object, so the cycle shows one level down.
    expect(line).toMatchObject({ a: 1, self: { a: 1, self: '[Circular]' } });
  });
});

// Planting secrets of a distinct shape keeps accidental matches in the random context out.
const secretArb = fc.stringMatching(/^[A-Za-z0-9]{24,40}$/);
const contextArb = fc.string({ maxLength: 40 });
const keyArb = fc.stringMatching(/^[a-z]{1,8}$/);
const sensitiveKeyArb = fc.constantFrom(
  'Authorization',
  'cookie',
  'Set-Cookie',
  'access_token',
  'refreshToken',
  'client_secret',
  'password',
  'X-API-KEY',
  'apiKey',
  'mcp-session-id',
  'sessionId',
  'arguments',
);
const plantedStringArb = fc.constantFrom(
  (s: string) => `Bearer ${s}`,
  (s: string) => `basic ${s}`,
  (s: string) => `eyJ${s}.${s}.${s}`,
  (s: string) => `mcpgw_${s}`,
  (s: string) => `sk-ant-api03-${s}`,
  (s: string) => `https://user:${s}@host.example/p`,
  (s: string) => `redis://:${s}@redis:6379`,
);

function nest(path: readonly string[], leaf: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner, sibling: [inner, key] }), leaf);
}

describe('createLogger: redaction property', () => {
  it('never lets a planted secret value appear in the output line', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'prop', stream: out.stream });
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        contextArb,
        contextArb,
        fc.array(keyArb, { maxLength: 12 }),
        sensitiveKeyArb,
        plantedStringArb,
        fc.boolean(),
        async (secret, before, after, path, sensitiveKey, plant, inMessage) => {
          out.lines.length = 0;
          const text = `${before} ${plant(secret)} ${after}`;
          const meta = {
            data: nest(path, { [sensitiveKey]: secret, note: text }),
            list: [text, { text }],
          };
          logger.info(inMessage ? text : 'static message', meta);
          const [line] = await out.records();
          expect(out.lines).toHaveLength(1);
          expect(line).toBeDefined();
          expect(out.lines[0]).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });
});
