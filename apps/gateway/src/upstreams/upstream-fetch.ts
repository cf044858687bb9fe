import { pipeline, Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import { bodyLimit } from './body-limits.js';
import { MAX_UPSTREAM_RESPONSE_BYTES } from './upstream-response.js';
import { InFlightMap } from '../support/in-flight-map.js';

/** One keep-alive pool for all HTTP upstreams of this process. */
export const upstreamAgent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  connections: 256,
});

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Per long-lived caller signal, the controllers of its requests in flight (one listener aborts them all). */
const followers = new WeakMap<AbortSignal, InFlightMap<number, AbortController>>();
let followerIds = 0;

/** Makes `outer` abort `controller` until the returned release is called. */
function follow(outer: AbortSignal, controller: AbortController): () => void {
  let map = followers.get(outer);
  if (!map) {
    const created = new InFlightMap<number, AbortController>();
    map = created;
    followers.set(outer, created);
    outer.addEventListener(
      'abort',
      () => {
        for (const follower of created.values()) follower.abort(outer.reason);
        created.clear();
      },
      { once: true },
    );
  }
  const own = map;
  const id = (followerIds += 1);
  own.set(id, controller);
  return () => {
    own.delete(id);
  };
}

/**
 * The body, failed past the bound an upstream's answer or event may have. `pipeline` ties the two
 * together both ways: a cut upstream stream fails the body the SDK reads (so it reconnects), and
 * a body failed at the bound destroys the upstream's stream.
 */
function bounded(source: Readable, contentType: string | string[] | undefined): Readable {
  const eventStream = /^\s*text\/event-stream/i.test(String(contentType ?? ''));
  return pipeline(source, bodyLimit(MAX_UPSTREAM_RESPONSE_BYTES, eventStream), () => undefined);
}

/** How many requests in flight follow `signal` (a diagnostic, and what the tests watch). */
export function followersOf(signal: AbortSignal): number {
  return followers.get(signal)?.size ?? 0;
}

/**
 * The `fetch` the SDK's HTTP transports use to reach upstreams: undici's `request` over a
 * keep-alive pool (several times cheaper than the global `fetch`), the active trace context
 * added as `traceparent`, and a signal of its own per request — the transport passes one
 * long-lived signal to every call. Each request's signal follows it through one shared listener,
 * not one listener per request: those would pile up with the requests in flight (Node warns past
 * 10, e.g. when many calls are cancelled at once and each sends `notifications/cancelled`).
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
  let release = (): void => undefined;
  if (outer?.aborted) controller.abort(outer.reason);
  else if (outer) release = follow(outer, controller);

  try {
    const response = await request(url, {
      method: (init?.method ?? 'GET') as 'GET',
      headers,
      body:
        typeof init?.body === 'string' || init?.body instanceof Uint8Array ? init.body : undefined,
      signal: controller.signal,
      dispatcher: upstreamAgent,
    });
    response.body.once('close', release);
    const empty =
      response.statusCode === 204 || response.statusCode === 304 || init?.method === 'HEAD';
    if (empty) response.body.resume();
    const body = empty ? null : (Readable.toWeb(bounded(response.body, response.headers['content-type'])) as ReadableStream<Uint8Array>);
    return new Response(body, {
      status: response.statusCode,
      headers: responseHeaders(response.headers),
    });
  } catch (err) {
    release();
    throw err;
  }
};
