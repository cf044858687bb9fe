import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, type Context, type TextMapGetter } from '@opentelemetry/api';

/** Header shapes accepted by {@link extractTraceContext}. */
export type HeaderCarrier = IncomingHttpHeaders | Record<string, string | string[] | undefined>;

// Node lower-cases incoming header names, hand-built records may not: look up case-insensitively.
const headerGetter: TextMapGetter<HeaderCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const direct = carrier[key];
    if (direct !== undefined) return direct;
    const wanted = key.toLowerCase();
    const match = Object.keys(carrier).find((name) => name.toLowerCase() === wanted);
    return match === undefined ? undefined : carrier[match];
  },
};

/**
 * Writes the W3C `traceparent`/`tracestate` (and `baggage`) of `ctx` into `headers` through the
 * global propagator and returns the same object. A no-op until the app starts the SDK.
 */
export function injectTraceHeaders<H extends Record<string, string>>(
  headers: H,
  ctx: Context = context.active(),
): H {
  propagation.inject(ctx, headers);
  return headers;
}

// Node's IncomingMessage.headers are lower-cased already: a missing header costs one lookup.
const lowerCaseHeaderGetter: TextMapGetter<HeaderCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

export interface ExtractTraceContextOptions {
  /** The carrier's names are lower-case, as in Node's `req.headers`: skip the case-insensitive search. */
  lowerCaseNames?: boolean;
}

/** Reads the caller's trace context from incoming headers into a new context based on `ctx`. */
export function extractTraceContext(
  headers: HeaderCarrier,
  ctx: Context = context.active(),
  options: ExtractTraceContextOptions = {},
): Context {
  return propagation.extract(
    ctx,
    headers,
    options.lowerCaseNames ? lowerCaseHeaderGetter : headerGetter,
  );
}
