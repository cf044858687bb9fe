/**
 * What every answer to a call that reached a hostile upstream must be: HTTP 200, a JSON-RPC 2.0
 * response with the caller's own id, either an error (integer code, string message) or a result a
 * spec-following client accepts, within the deadline, and with nothing internal or secret in it.
 */
import { expect } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { leaksInternals } from '@mcpgw/testing';
import type { GatewayHarness } from '../support/gateway-harness.js';
import { postMcp, send, type EdgeAnswer } from './support/fuzz-http.js';
import { leaksPlantedSecret } from './hostile-upstream-support.js';

/** The 2025-era headers the suite's raw client sends. */
export const CLIENT_HEADERS = { 'mcp-protocol-version': '2025-11-25' } as const;

export interface TimedAnswer extends EdgeAnswer {
  ms: number;
}

/** A `tools/call` of `tool` with `id`, timed; the client itself gives up after 20 s. */
export async function callTool(gateway: GatewayHarness, tool: string, id: string | number, args: Record<string, unknown> = {}): Promise<TimedAnswer> {
  const started = Date.now();
  const answer = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } }, CLIENT_HEADERS, 20_000);
  return { ...answer, ms: Date.now() - started };
}

/** `POST /mcp/call/<tool>` on the REST facade, timed. */
export async function callRest(gateway: GatewayHarness, tool: string, args: Record<string, unknown> = {}): Promise<TimedAnswer> {
  const started = Date.now();
  const answer = await send(`${gateway.url}/mcp/call/${tool}`, { headers: { 'content-type': 'application/json' }, body: args, timeoutMs: 20_000 });
  return { ...answer, ms: Date.now() - started };
}

/** Neither a stack trace, a source path nor a planted secret. */
export function expectNothingLeaked(text: string): void {
  expect(leaksInternals(text), `internals in ${text.slice(0, 300)}`).toBe(false);
  expect(leaksPlantedSecret(text), `secret in ${text.slice(0, 300)}`).toBe(false);
}

/**
 * The answer is well-formed for `id` and arrived within `maxMs`; returns its error, if any.
 * `messageMax` bounds an error message (a relayed upstream message included).
 */
export function expectWellFormed(answer: TimedAnswer, id: string | number, maxMs: number, messageMax = 4096): { code: number; message: string; data?: unknown } | undefined {
  const where = `${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.ms, where).toBeLessThan(maxMs);
  expect(answer.status, where).toBe(200);
  const body = answer.json;
  expect(body?.['jsonrpc'], where).toBe('2.0');
  expect(body?.['id'], where).toEqual(id);
  expect('result' in (body ?? {}) !== 'error' in (body ?? {}), `exactly one of result and error: ${where}`).toBe(true);
  expectNothingLeaked(answer.text);
  const error = body?.['error'] as { code: unknown; message: unknown; data?: unknown } | undefined;
  if (error) {
    expect(Number.isSafeInteger(error.code), `error code ${String(error.code)}`).toBe(true);
    expect(typeof error.message, where).toBe('string');
    expect((error.message as string).length, 'error message length').toBeLessThanOrEqual(messageMax);
    return error as { code: number; message: string; data?: unknown };
  }
  const parsed = CallToolResultSchema.safeParse(body?.['result']);
  expect(parsed.success, `result a client accepts: ${where}`).toBe(true);
  return undefined;
}

/** The healthy upstream still answers through the same gateway. */
export async function expectHealthyStillServed(gateway: GatewayHarness, tool = 'good__echo'): Promise<void> {
  const answer = await callTool(gateway, tool, 'healthy-check', { text: 'still here' });
  expect(answer.json, answer.text.slice(0, 300)).toMatchObject({ id: 'healthy-check', result: { content: [{ text: 'still here' }] } });
  expect(answer.ms).toBeLessThan(3_000);
}

/** Object.prototype was not given properties by anything the gateway parsed. */
export function expectPrototypeClean(): void {
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(({} as Record<string, unknown>)['isError']).toBeUndefined();
}
