/** Raw HTTP clients for the attack suite: every byte of the answer is kept for the assertions. */

export interface Answer {
  status: number;
  headers: Headers;
  /** The body exactly as sent. */
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: Record<string, unknown> | undefined;
  /** Wall-clock time of the exchange, for budget assertions. */
  ms: number;
}

async function exchange(url: string, init: RequestInit): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
}

/** One JSON-RPC request to `/mcp` (2025-era, stateless: no initialize needed). */
export function rpc(
  mcpUrl: string,
  method: string,
  params: Record<string, unknown> = {},
  options: { headers?: Record<string, string>; id?: number | string } = {},
): Promise<Answer> {
  return exchange(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...options.headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: options.id ?? 1, method, params }),
  });
}

/** `tools/call` on `/mcp`. */
export function callTool(
  mcpUrl: string,
  name: string,
  args: Record<string, unknown> = {},
  options: { headers?: Record<string, string>; id?: number | string } = {},
): Promise<Answer> {
  return rpc(mcpUrl, 'tools/call', { name, arguments: args }, options);
}

/** The names `tools/list` shows this caller. */
export async function listToolNames(
  mcpUrl: string,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const answer = await rpc(mcpUrl, 'tools/list', {}, { headers });
  const result = answer.json?.['result'] as { tools?: Array<{ name: string }> } | undefined;
  if (!result?.tools)
    throw new Error(`tools/list failed: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
  return result.tools.map((t) => t.name).sort();
}

/** Any HTTP request (REST facade, admin API, metadata). */
export function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return exchange(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

/** The result of a successful `tools/call` answer, or a thrown error naming what came back. */
export function resultOf(answer: Answer): Record<string, unknown> {
  const result = answer.json?.['result'];
  if (answer.status !== 200 || !result || typeof result !== 'object') {
    throw new Error(`expected a result, got HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  return result as Record<string, unknown>;
}

/** A W3C traceparent with a fresh random trace id, and that id. */
export function freshTrace(): { traceId: string; traceparent: string } {
  const hex = (n: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
  const traceId = hex(16);
  return { traceId, traceparent: `00-${traceId}-${hex(8)}-01` };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
