import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import type { Cancellation } from '@mcpgw/resilience';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../mcp/json-depth.js';
import { RELAYABLE_SERVER_REQUESTS, unreachableClient, type ClientAnswer, type UpstreamServerRequest } from '../mcp/server-requests.js';
import { upstreamAgent } from './upstream-fetch.js';
import { MAX_UPSTREAM_RESPONSE_BYTES, UpstreamResponseError } from './upstream-response.js';
import type { InFlightMap } from '../support/in-flight-map.js';
import { isJsonObject } from '../support/json-object.js';

export { MAX_UPSTREAM_RESPONSE_BYTES, UpstreamResponseError };

/** The upstream answered with an HTTP status other than success (its body is not relayed). */
export class UpstreamHttpError extends Error {
  readonly code = 'UPSTREAM_HTTP_STATUS';
  constructor(readonly status: number) {
    super(`upstream answered HTTP ${status}`);
    this.name = 'UpstreamHttpError';
  }
}

/** The upstream's own JSON-RPC error for the request: relayed to the client, the upstream is healthy. */
export class UpstreamRpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string, readonly data: unknown) {
    super(message);
    this.code = code;
    this.name = 'UpstreamRpcError';
  }
}

/** What the exchange needs from the SDK client's connection to the same upstream. */
export interface ExchangeSession {
  readonly url: string;
  /** The config's static headers. */
  readonly headers: Readonly<Record<string, string>>;
  sessionId(): string | undefined;
  protocolVersion(): string | undefined;
  /** Hands a message that is not this request's (a notification, a server request) to the SDK client. */
  deliver(message: Record<string, unknown>): void;
  /** Sends a JSON-RPC response to one of the upstream's own requests, on the session. */
  respond(message: Record<string, unknown>): Promise<void>;
}

export interface ExchangeRequest {
  readonly id: string;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export interface ExchangeOptions {
  /** The call's cancellation (the breaker's: client gone, `maxDurationMs`); aborting it stops the exchange. */
  cancellation: Cancellation;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /**
   * Receives the upstream's log messages (`notifications/message`) sent on this request's stream,
   * rebuilt from `level`, `logger` and `data` (nothing else of the upstream's params is relayed).
   */
  onlog?: (log: { level: string; logger?: string; data: unknown }) => void;
  /**
   * Receives the upstream's sampling and elicitation requests sent on this request's stream; the
   * answer given to `respond` goes back to the upstream on the session. Without it they go to the
   * SDK client, which has no handler for them and answers with an error.
   */
  onrequest?: (request: UpstreamServerRequest) => void;
  /**
   * Fails the exchange with `error()` when the upstream says nothing of this request for `ms`:
   * the wait starts when the request is sent and again at each of its progress or log messages
   * (keep-alive events and other requests' messages do not count), and stops while a request
   * handed to `onrequest` waits for its answer (the client, maybe a person, is being waited on).
   */
  idle?: { ms: number; error: () => Error };
  /** Holds a way to fail the exchange while it runs (its connection is closing), under the exchange's id. */
  inFlight?: InFlightMap<string, (err: Error) => void>;
  dispatcher?: Dispatcher;
}

/**
 * One request/response exchange with a 2025-era Streamable HTTP upstream, on the connection the
 * SDK client negotiated (its session id and protocol version), without the SDK's per-message
 * machinery: one `dispatch` on undici's keep-alive pool, the answer read as JSON or as an SSE
 * stream straight from the response's chunks (no body stream, no async iterator). Progress for
 * this request goes to `onprogress`, its log messages to `onlog` (when set); any other message on the stream goes to the SDK client,
 * which handles it as if its own transport had received it. ADR 0007 says why.
 */
export function exchange(session: ExchangeSession, message: ExchangeRequest, options: ExchangeOptions): Promise<Record<string, unknown>> {
  try {
    return start(session, message, options);
  } catch (err) {
    // Failures before the request is sent (a bad URL, a throwing session getter) reject too.
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function start(session: ExchangeSession, message: ExchangeRequest, options: ExchangeOptions): Promise<Record<string, unknown>> {
  const params = options.onprogress
    ? { ...message.params, _meta: { ...(message.params['_meta'] as Record<string, unknown> | undefined), progressToken: message.id } }
    : message.params;
  const headers: Record<string, string> = {
    ...session.headers,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const version = session.protocolVersion();
  if (version) headers['mcp-protocol-version'] = version;
  const sessionId = session.sessionId();
  if (sessionId) headers['mcp-session-id'] = sessionId;
  injectTraceHeaders(headers);
  if (options.cancellation.aborted) return Promise.reject(abortReason(options.cancellation));

  const { origin, path } = targetOf(session.url);
  return new Promise((resolve, reject) => {
    const handler = new ExchangeHandler(message.id, session, options, resolve, reject);
    try {
      (options.dispatcher ?? upstreamAgent).dispatch(
        { origin, path, method: 'POST', headers, ...CALLER_TIMED, body: JSON.stringify({ jsonrpc: '2.0', id: message.id, method: message.method, params }) },
        handler,
      );
    } catch (err) {
      handler.onResponseError(undefined, err as Error);
    }
  });
}

/**
 * Until it settles, an exchange is bounded by the caller's cancellation (the breaker's `maxDurationMs`)
 * and its idle wait, so undici's own header and body timers (300 s) are off: the configured limits
 * apply, above 300 s too. On, each request left a timer object in undici's timer list until its
 * next sweep, and at thousands of calls per second those outlived two scavenges and filled the old
 * generation (ADR 0009). What an exchange still reads after it settles is bounded by
 * {@link DISCARD_WAIT_MS}.
 */
const CALLER_TIMED = { headersTimeout: 0, bodyTimeout: 0 } as const;

/** How long the rest of an error answer may take to arrive before its connection is dropped. */
const DISCARD_WAIT_MS = 1_000;

/** What an error status or an unexpected content type may still send before the connection is dropped (as undici's `dump`). */
const DISCARD_LIMIT_BYTES = 128 * 1024;

const targets = new Map<string, { origin: string; path: string }>();

/** `url` split for `dispatch`; upstream URLs come from the config, so the memo stays small. */
function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= 1024) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function abortReason(cancellation: Cancellation): Error {
  return cancellation.reason instanceof Error ? cancellation.reason : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Reads one exchange's response as undici delivers it. Settles once: with the answer, with the
 * upstream's error, or with the first failure; whatever arrives after that is dropped, and a
 * response the exchange no longer needs is aborted (which closes its connection).
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  private settled = false;
  private mode: 'json' | 'sse' | 'discard' = 'discard';
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private controller: Dispatcher.DispatchController | undefined;
  private sse: { feed(text: string): void; decoder: StringDecoder; answer?: Record<string, unknown>; failure?: Error } | undefined;
  private readonly onAbort = () => {
    const reason = abortReason(this.options.cancellation);
    this.settle(reason);
    this.controller?.abort(reason);
  };
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bounds the reading of an error answer's body, which goes on after the exchange settled. */
  private discardTimer: NodeJS.Timeout | undefined;
  /** Relayed requests still waiting for the client's answer: the idle wait stops meanwhile. */
  private awaitingClient = 0;
  private readonly fail = (err: Error) => {
    this.settle(err);
    this.controller?.abort(err);
  };
  private readonly onIdle = () => this.fail((this.options.idle as NonNullable<ExchangeOptions['idle']>).error());

  constructor(
    private readonly id: string,
    private readonly session: ExchangeSession,
    private readonly options: ExchangeOptions,
    private readonly resolve: (result: Record<string, unknown>) => void,
    private readonly reject: (err: Error) => void,
  ) {
    options.cancellation.onAbort(this.onAbort);
    if (options.idle) this.idleTimer = setTimeout(this.onIdle, options.idle.ms);
    options.inFlight?.set(id, this.fail);
  }

  /** The upstream reported on this call (progress, a log message): its idle wait starts again, unless the client is being waited on. */
  private heard(): void {
    if (this.awaitingClient === 0 && !this.settled) this.idleTimer?.refresh();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(abortReason(this.options.cancellation));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx (102 Processing, 103 Early Hints) come before the answer: undici passes them on, `request` skipped them.
    if (statusCode < 200) return;
    if (statusCode >= 300) return this.discard(new UpstreamHttpError(statusCode));
    const type = String(headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type === 'application/json') this.mode = 'json';
    else if (type === 'text/event-stream') {
      this.mode = 'sse';
      this.sse = this.eventStream();
    } else this.discard(new UpstreamResponseError(`unexpected content type ${JSON.stringify(type ?? '')}`));
  }

  /**
   * Settles with `err` at once, and reads the rest of the answer so the connection can serve
   * another request (as undici's `dump`): up to {@link DISCARD_LIMIT_BYTES}, for at most
   * {@link DISCARD_WAIT_MS}; past either, the connection is dropped.
   */
  private discard(err: Error): void {
    this.settle(err);
    this.discardTimer = setTimeout(() => this.controller?.abort(new UpstreamResponseError('discarded answer too slow')), DISCARD_WAIT_MS);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.mode === 'discard' || this.settled) {
      if (this.size > DISCARD_LIMIT_BYTES) controller.abort(new UpstreamResponseError('discarded answer too large'));
      return;
    }
    if (this.size > MAX_UPSTREAM_RESPONSE_BYTES) {
      const err = new UpstreamResponseError(`upstream answer exceeds ${MAX_UPSTREAM_RESPONSE_BYTES} bytes`);
      this.settle(err);
      controller.abort(err);
      return;
    }
    if (this.mode === 'json') {
      this.chunks.push(chunk);
      return;
    }
    const sse = this.sse as NonNullable<ExchangeHandler['sse']>;
    sse.feed(sse.decoder.write(chunk));
    if (sse.failure) this.settle(sse.failure);
    else if (sse.answer) this.settle(undefined, sse.answer);
    else return;
    // The answer is in: the rest of the stream is not needed.
    controller.abort(new UpstreamResponseError('answer read'));
  }

  onResponseEnd(): void {
    clearTimeout(this.discardTimer);
    if (this.settled) return this.release();
    if (this.mode === 'json') return this.settleJson();
    this.settle(this.sse?.failure ?? new UpstreamResponseError('upstream stream ended without a response to the request'));
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    clearTimeout(this.discardTimer);
    this.settle(err);
    this.release();
  }

  private settleJson(): void {
    // Deeper JSON parses, but writing it to the client (or the audit log) would overflow the stack.
    if (nestsDeeperThan(this.chunks)) return this.settle(tooDeep());
    const text = this.chunks.length === 1 ? (this.chunks[0] as Buffer).toString('utf8') : Buffer.concat(this.chunks, this.size).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.settle(new UpstreamResponseError('upstream answer is not JSON'));
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    let answer: Record<string, unknown> | undefined;
    try {
      for (const item of messages) {
        if (isJsonObject(item) && item['id'] === this.id && !('method' in item)) answer = resultOf(item);
        else if (isJsonObject(item)) this.other(item, true);
      }
    } catch (err) {
      return this.settle(err as Error);
    }
    this.settle(answer ? undefined : new UpstreamResponseError('upstream answer has no response to the request'), answer);
  }

  private eventStream(): NonNullable<ExchangeHandler['sse']> {
    const state: NonNullable<ExchangeHandler['sse']> = { feed: () => undefined, decoder: new StringDecoder('utf8') };
    const parser = createParser({
      onEvent: (event) => {
        if (state.answer || state.failure || (event.event && event.event !== 'message') || !event.data) return;
        let item: unknown;
        if (nestsDeeperThan(Buffer.from(event.data, 'utf8'))) {
          state.failure = tooDeep();
          return;
        }
        try {
          item = JSON.parse(event.data);
        } catch {
          state.failure = new UpstreamResponseError('upstream event is not JSON');
          return;
        }
        if (!isJsonObject(item)) return;
        if (item['id'] === this.id && !('method' in item)) {
          try {
            state.answer = resultOf(item);
          } catch (err) {
            state.failure = err as Error;
          }
        } else if (item['method'] === 'notifications/progress' && isJsonObject(item['params']) && item['params']['progressToken'] === this.id) {
          this.heard();
          try {
            this.options.onprogress?.(progressOf(item['params']));
          } catch {
            // A failing progress consumer must not break the exchange.
          }
        } else this.other(item);
      },
    });
    state.feed = (text) => parser.feed(text);
    return state;
  }

  /**
   * A message on this request's stream that is neither its answer nor its progress. `answered`: it
   * came in one JSON body with the answer, so a request in it can no longer reach the client.
   */
  private other(item: Record<string, unknown>, answered = false): void {
    const { onlog, onrequest } = this.options;
    const upstreamId = item['id'];
    if (onrequest && typeof item['method'] === 'string' && RELAYABLE_SERVER_REQUESTS.has(item['method']) && (typeof upstreamId === 'string' || typeof upstreamId === 'number')) {
      const { session } = this;
      const answer = (reply: ClientAnswer) => void session.respond({ jsonrpc: '2.0', id: upstreamId, ...reply }).catch(() => undefined);
      if (answered) return answer(unreachableClient(item['method']));
      this.awaitClient();
      let replied = false;
      const respond = (reply: ClientAnswer) => {
        if (!replied) {
          replied = true;
          this.clientAnswered();
        }
        answer(reply);
      };
      try {
        onrequest({ method: item['method'], params: isJsonObject(item['params']) ? item['params'] : undefined, respond });
      } catch {
        respond(unreachableClient(item['method']));
      }
      return;
    }
    // A log message on the call's own stream is about the call, relayed or not: the upstream is at work.
    if (item['method'] === 'notifications/message') this.heard();
    if (!onlog || item['method'] !== 'notifications/message' || !isJsonObject(item['params'])) return deliver(this.session, item);
    const { level, logger, data } = item['params'];
    if (typeof level !== 'string') return;
    try {
      onlog({ level, ...(typeof logger === 'string' && { logger }), data });
    } catch {
      // A failing log consumer must not break the exchange.
    }
  }

  private awaitClient(): void {
    this.awaitingClient += 1;
    clearTimeout(this.idleTimer);
  }

  private clientAnswered(): void {
    this.awaitingClient -= 1;
    if (this.awaitingClient === 0 && this.idleTimer && !this.settled) this.idleTimer = setTimeout(this.onIdle, (this.options.idle as NonNullable<ExchangeOptions['idle']>).ms);
  }

  /** Settles the exchange once: `err` rejects, else `result` resolves. */
  private settle(err: Error | undefined, result?: Record<string, unknown>): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.idleTimer);
    this.options.inFlight?.delete(this.id);
    this.release();
    if (err) this.reject(err);
    else this.resolve(result as Record<string, unknown>);
  }

  private release(): void {
    this.options.cancellation.offAbort(this.onAbort);
  }
}

/** An upstream message nested past what the gateway relays. */
export function tooDeep(): UpstreamResponseError {
  return new UpstreamResponseError(`upstream answer nests deeper than ${MAX_JSON_DEPTH} levels`);
}

/** The result of a JSON-RPC response, or its error thrown as {@link UpstreamRpcError}. */
function resultOf(response: Record<string, unknown>): Record<string, unknown> {
  const error = response['error'];
  if (isJsonObject(error)) {
    const code = error['code'];
    // Safe integers only, as the SDK's own message schema: a client's parser refuses larger codes.
    if (typeof code !== 'number' || !Number.isSafeInteger(code)) throw new UpstreamResponseError('upstream error has no integer code');
    throw new UpstreamRpcError(code, typeof error['message'] === 'string' ? error['message'] : 'Upstream error', error['data']);
  }
  const result = response['result'];
  if (!isJsonObject(result)) throw new UpstreamResponseError('upstream result is not a JSON object');
  return result;
}

function progressOf(params: Record<string, unknown>): { progress: number; total?: number; message?: string } {
  return {
    progress: typeof params['progress'] === 'number' ? params['progress'] : 0,
    ...(typeof params['total'] === 'number' ? { total: params['total'] } : {}),
    ...(typeof params['message'] === 'string' ? { message: params['message'] } : {}),
  };
}

function deliver(session: ExchangeSession, item: Record<string, unknown>): void {
  if (item['jsonrpc'] !== '2.0' || typeof item['method'] !== 'string') return;
  try {
    session.deliver(item);
  } catch {
    // The SDK client refuses what it cannot parse; a stray message must not fail this request.
  }
}

