/** HTTP helpers for the gateway edge fuzz suite: every answer is kept whole, every exchange is bounded in time. */
import { connect } from 'node:net';
import type { Registry } from 'prom-client';

export interface EdgeAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: Record<string, unknown> | undefined;
}

/** The 2026-07-28 per-request envelope a modern request carries in `params._meta`. */
export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
} as const;

/** The standard headers of a modern request (`Mcp-Name` only when given). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) };
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Any request; the body is sent as is when it is a string, else as JSON. Times out after `timeoutMs`. */
export async function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<EdgeAnswer> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers: init.headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parse(text) };
}

/** A POST to `/mcp` with the media types a client must send (overridable). */
export function postMcp(mcpUrl: string, body: unknown, headers: Record<string, string> = {}, timeoutMs?: number): Promise<EdgeAnswer> {
  return send(mcpUrl, {
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
    timeoutMs,
  });
}

/** The JSON-RPC error of an answer, if it carries one. */
export function rpcError(answer: EdgeAnswer): { code: number; message: string; data?: unknown } | undefined {
  const error = answer.json?.['error'];
  return error && typeof error === 'object' ? (error as { code: number; message: string; data?: unknown }) : undefined;
}

export interface RawOutcome {
  /** Everything the server wrote, as latin1. */
  raw: string;
  /** The status line's code, when one arrived. */
  status: number | undefined;
  /** The server closed the connection (or reset it) before `timeoutMs`. */
  closed: boolean;
  timedOut: boolean;
}

/**
 * Writes `parts` on a fresh TCP connection (with `gapMs` between them) and collects the answer
 * until the server closes the connection, a complete response arrived (when `untilResponse`), or
 * `timeoutMs` passes. `endAfterWrite` half-closes the client side after the last part.
 */
export function rawExchange(
  baseUrl: string,
  parts: ReadonlyArray<string | Buffer>,
  options: { timeoutMs?: number; gapMs?: number; endAfterWrite?: boolean; destroyAfterWrite?: boolean; untilResponse?: boolean } = {},
): Promise<RawOutcome> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let raw = '';
    let settled = false;
    const finish = (closed: boolean, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ raw, status: match ? Number(match[1]) : undefined, closed, timedOut });
    };
    const timer = setTimeout(() => finish(false, true), options.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      if (options.untilResponse && responseComplete(raw)) finish(false, false);
    });
    socket.on('error', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    socket.on('connect', () => {
      void (async () => {
        for (const part of parts) {
          if (socket.destroyed) return;
          socket.write(part);
          if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        }
        if (options.destroyAfterWrite) finish(true, false);
        else if (options.endAfterWrite) socket.end();
      })();
    });
  });
}

/** A response with a Content-Length whose body has fully arrived. */
function responseComplete(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end));
  return length !== null && raw.length - end - 4 >= Number(length[1]);
}

/** The sum of `gateway_decisions_total` samples whose labels contain every `match` pair. */
export async function decisions(registry: Registry, match: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric('gateway_decisions_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(match).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Polls `check` every 25 ms until it is true or `timeoutMs` passes; returns its last value. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `depth` nested arrays as JSON text (`[[[…]]]`): cheap in bytes, deep for recursive code. */
export const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** The names an `Object.prototype` lookup would find: the classic confusions for maps built on plain objects. */
export const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'] as const;
