import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { injectTraceHeaders } from '@mcpgw/telemetry';

/** One keep-alive pool for all HTTP upstreams of this process. */
export const upstreamAgent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256 });

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * The `fetch` the SDK's HTTP transports use to reach upstreams: undici's `request` over a
 * keep-alive pool (several times cheaper than the global `fetch`), the active trace context
 * added as `traceparent`, and a signal of its own per request — the transport passes one
 * long-lived signal to every call, and listeners added to it would pile up until it ends.
 */
export const upstreamFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    headers[name] = value;
  });
  injectTraceHeaders(headers);

  const controller = new AbortController();
  const outer = init?.signal ?? undefined;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  const release = () => outer?.removeEventListener('abort', onAbort);

  try {
    const response = await request(url, {
      method: (init?.method ?? 'GET') as 'GET',
      headers,
      body: typeof init?.body === 'string' || init?.body instanceof Uint8Array ? init.body : undefined,
      signal: controller.signal,
      dispatcher: upstreamAgent,
    });
    response.body.once('close', release);
    const empty = response.statusCode === 204 || response.statusCode === 304 || init?.method === 'HEAD';
    if (empty) response.body.resume();
    const body = empty ? null : (Readable.toWeb(response.body) as ReadableStream<Uint8Array>);
    return new Response(body, { status: response.statusCode, headers: responseHeaders(response.headers) });
  } catch (err) {
    release();
    throw err;
  }
};
