import { createParser } from 'eventsource-parser';
import { request, type Dispatcher } from 'undici';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import { upstreamAgent } from './upstream-fetch.js';

/**
 * The most an upstream may send for one request. Results are relayed whole, so this bounds the
 * memory one misbehaving upstream can take from the gateway.
 */
export const MAX_UPSTREAM_RESPONSE_BYTES = 32 * 1024 * 1024;

/** The upstream answered with an HTTP status other than success (its body is not relayed). */
export class UpstreamHttpError extends Error {
  readonly code = 'UPSTREAM_HTTP_STATUS';
  constructor(readonly status: number) {
    super(`upstream answered HTTP ${status}`);
    this.name = 'UpstreamHttpError';
  }
}

/** The upstream's answer was not a JSON-RPC response to the request (garbage, wrong id, too large). */
export class UpstreamResponseError extends Error {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamResponseError';
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
}

export interface ExchangeRequest {
  readonly id: string;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export interface ExchangeOptions {
  signal: AbortSignal;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  dispatcher?: Dispatcher;
}

/**
 * One request/response exchange with a 2025-era Streamable HTTP upstream, on the connection the
 * SDK client negotiated (its session id and protocol version), without the SDK's per-message
 * machinery: undici's `request` over the keep-alive pool, the answer read as JSON or as an SSE
 * stream. Progress for this request goes to `onprogress`; any other message on the stream goes
 * to the SDK client, which handles it as if its own transport had received it. ADR 0007 says why.
 */
export async function exchange(session: ExchangeSession, message: ExchangeRequest, options: ExchangeOptions): Promise<Record<string, unknown>> {
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

  const response = await request(session.url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: message.id, method: message.method, params }),
    signal: options.signal,
    dispatcher: options.dispatcher ?? upstreamAgent,
  });
  const { statusCode, body } = response;
  if (statusCode < 200 || statusCode >= 300) {
    discard(body);
    throw new UpstreamHttpError(statusCode);
  }
  const type = String(response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'text/event-stream') return readEventStream(body, message.id, session, options);
  if (type !== 'application/json') {
    discard(body);
    throw new UpstreamResponseError(`unexpected content type ${JSON.stringify(type ?? '')}`);
  }
  const text = await readBounded(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UpstreamResponseError('upstream answer is not JSON');
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  let answer: Record<string, unknown> | undefined;
  for (const item of messages) {
    if (isObject(item) && item['id'] === message.id && !('method' in item)) answer = resultOf(item);
    else if (isObject(item)) deliver(session, item);
  }
  if (!answer) throw new UpstreamResponseError('upstream answer has no response to the request');
  return answer;
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_UPSTREAM_RESPONSE_BYTES) {
      body.destroy();
      throw new UpstreamResponseError(`upstream answer exceeds ${MAX_UPSTREAM_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
}

async function readEventStream(
  body: AsyncIterable<Buffer>,
  id: string,
  session: ExchangeSession,
  options: ExchangeOptions,
): Promise<Record<string, unknown>> {
  let answer: Record<string, unknown> | undefined;
  let failure: Error | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (answer || failure || (event.event && event.event !== 'message') || !event.data) return;
      let item: unknown;
      try {
        item = JSON.parse(event.data);
      } catch {
        failure = new UpstreamResponseError('upstream event is not JSON');
        return;
      }
      if (!isObject(item)) return;
      if (item['id'] === id && !('method' in item)) {
        try {
          answer = resultOf(item);
        } catch (err) {
          failure = err as Error;
        }
      } else if (item['method'] === 'notifications/progress' && isObject(item['params']) && item['params']['progressToken'] === id) {
        options.onprogress?.(progressOf(item['params']));
      } else deliver(session, item);
    },
  });
  const decoder = new TextDecoder();
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_UPSTREAM_RESPONSE_BYTES) failure ??= new UpstreamResponseError(`upstream answer exceeds ${MAX_UPSTREAM_RESPONSE_BYTES} bytes`);
    else parser.feed(decoder.decode(chunk, { stream: true }));
    if (answer || failure) break; // leaving the loop destroys the stream: the rest is not needed
  }
  if (failure) throw failure;
  if (!answer) throw new UpstreamResponseError('upstream stream ended without a response to the request');
  return answer;
}

/** The result of a JSON-RPC response, or its error thrown as {@link UpstreamRpcError}. */
function resultOf(response: Record<string, unknown>): Record<string, unknown> {
  const error = response['error'];
  if (isObject(error)) {
    const code = error['code'];
    if (typeof code !== 'number' || !Number.isInteger(code)) throw new UpstreamResponseError('upstream error has no integer code');
    throw new UpstreamRpcError(code, typeof error['message'] === 'string' ? error['message'] : 'Upstream error', error['data']);
  }
  const result = response['result'];
  if (!isObject(result)) throw new UpstreamResponseError('upstream result is not a JSON object');
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

/** Drops an answer the exchange will not read: bounded (undici's dump reads at most 128 KiB, then closes). */
function discard(body: { dump(): Promise<void> }): void {
  void body.dump().catch(() => undefined);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
