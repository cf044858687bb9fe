import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureLines } from '../test/capture-lines.js';
import { logJson } from './json-line.js';
import { createLogger } from './logger.js';
import { startTelemetry, type TelemetryHandle } from './node/index.js';
import { REDACTED } from './redact-patterns.js';
import { withSpan } from './tracing.js';
import winston from 'winston';

let telemetry: TelemetryHandle;
beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'json-line-spec',
    logger: { warn: () => undefined },
  });
});
afterAll(async () => {
  await telemetry.shutdown();
});

const stamp = (line: string | undefined) =>
  (line ?? '').replace(/"timestamp":"[^"]+"/, '"timestamp":"T"');

/** The line `logJson` writes and the line winston's regular path writes, timestamps levelled. */
async function bothLines(
  value: unknown,
  options: { base?: object; message?: string; field?: string } = {},
) {
  const fast = captureLines();
  const regular = captureLines();
  const make = (stream: typeof fast.stream) =>
    createLogger({ service: 'gateway', stream, ...(options.base ? { base: options.base } : {}) });
  const field = options.field ?? 'audit';
  const message = options.message ?? 'audit';
  expect(logJson(make(fast.stream), 'info', message, field, value)).toBe(JSON.stringify(value));
  make(regular.stream).log('info', message, { [field]: value });
  await Promise.all([fast.records(), regular.records()]);
  return { fast: stamp(fast.lines[0]), regular: stamp(regular.lines[0]), lines: fast.lines };
}

describe('logJson', () => {
  it('keeps an own __proto__ key like the regular path, at any depth', async () => {
    // Built by JSON.parse: in an object literal `__proto__` would set the prototype instead.
    for (const text of [
      '{"__proto__":{}}',
      '[{"__proto__":null}]',
      '{"a":{"__proto__":{"x":1}}}',
    ]) {
      const { fast, regular } = await bothLines(JSON.parse(text) as unknown);
      expect(fast).toBe(regular);
      expect(fast).toContain(`"audit":${text}`);
    }
  });

  it('takes the regular path after the logger’s format changed, and for integer-like field names', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'gateway', stream: out.stream });
    const log = vi.spyOn(logger, 'log');
    logJson(logger, 'info', 'm', '0', { ok: true });
    expect(log).toHaveBeenCalledTimes(1);
    logger.format = winston.format.json();
    logJson(logger, 'info', 'm', 'audit', { ok: true });
    expect(log).toHaveBeenCalledTimes(2);
  });

  it('writes the same line as the regular path, for any JSON value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 4 }),
        fc.string({ maxLength: 40 }),
        async (value, message) => {
          const { fast, regular, lines } = await bothLines(value, {
            message,
            base: { region: 'eu', n: 1 },
          });
          expect(lines).toHaveLength(1);
          expect(fast).toBe(regular);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes the active span’s ids like the regular path', async () => {
    const event = { v: 1, type: 'mcp.request', status: 200, degraded: false };
    const lines = await withSpan('work', {}, async () => bothLines(event));
    expect(lines.fast).toBe(lines.regular);
    expect(JSON.parse(lines.fast)).toMatchObject({
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      audit: event,
    });
  });

  it('still redacts: a sensitive key or a secret-looking string takes the regular path', async () => {
    const secret = `Bearer ${'s'.repeat(24)}`;
    const value = { tool: 'x', arguments: { q: 'kept out of logs' }, note: secret };
    const { fast, regular } = await bothLines(value);
    expect(fast).toBe(regular);
    const line = JSON.parse(fast) as { audit: Record<string, unknown> };
    expect(line.audit['arguments']).toBe(REDACTED);
    expect(line.audit['note']).toBe(`Bearer ${REDACTED}`);
    // A sensitive field name is redacted whole, as the regular path does.
    const named = await bothLines({ a: 1 }, { field: 'token' });
    expect(JSON.parse(named.fast)).toMatchObject({ token: REDACTED });
  });

  it('skips winston for clean values and uses it otherwise', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'gateway', stream: out.stream });
    const log = vi.spyOn(logger, 'log');
    logJson(logger, 'info', 'audit', 'audit', { ok: true });
    expect(log).not.toHaveBeenCalled();
    logJson(logger, 'info', 'audit', 'audit', { password: 'p' });
    expect(log).toHaveBeenCalledTimes(1);
    await out.records();
    expect(out.lines).toHaveLength(2);
    expect(out.lines[1]).not.toContain('"p"');
  });

  it('respects the level and falls back for loggers createLogger did not make', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'gateway', level: 'warn', stream: out.stream });
    expect(logJson(logger, 'info', 'audit', 'audit', { ok: true })).toBe('{"ok":true}');
    logJson(logger.child({ request_id: 'r1' }), 'warn', 'child', 'audit', { ok: true });
    const records = await out.records();
    expect(records).toEqual([
      expect.objectContaining({ message: 'child', request_id: 'r1', audit: { ok: true } }),
    ]);
  });
});
