import type { ServerResponse } from 'node:http';
import type { Era, UpstreamLog } from './dispatcher.js';
import { unreachableClient, type PendingServerRequests, type UpstreamServerRequest } from './server-requests.js';

/** RFC 5424 severities as MCP names them, least severe first. */
const LOG_SEVERITY: Readonly<Record<string, number>> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};

/** The per-request opt-in of the 2026-07-28 revision (it replaced `logging/setLevel`). */
const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';

/** Most notifications relayed for one request; an upstream may send more, they are dropped. */
export const MAX_RELAYED_NOTIFICATIONS = 1_000;
/** A client holding more than this unread is not keeping up: notifications are dropped, the answer is not. */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** Most upstream requests one call may have waiting for the client at once. */
export const MAX_WAITING_PER_CALL = 8;

/** Relays what an upstream sends about one request while serving it; see {@link notificationRelay}. */
export interface NotificationRelay {
  /** Set when the client sent a progress token. */
  onProgress?: (update: { progress: number; total?: number; message?: string }) => void;
  /**
   * Set when the client may receive log messages for this request. `sanitized` is called only for
   * a message that will be sent (its level is wanted and there is room).
   */
  onLog?: (level: string, sanitized: () => UpstreamLog) => void;
  /** Set for a 2025-era client: relays the upstream's sampling and elicitation requests to it. */
  onServerRequest?: (request: UpstreamServerRequest) => void;
  /** The admission's headers (rate limits), for the stream's head if it opens. */
  setHeaders(headers: Record<string, string>): void;
  /** Whether the answer has turned into an SSE stream. */
  streaming(): boolean;
  /** How many notifications were dropped (over the cap, or for a client not reading). */
  dropped(): number;
  /** Sends the final JSON-RPC message as the stream's last event and ends it. */
  finish(body: unknown): void;
  /** Forgets the relayed requests still unanswered: the call is over. */
  close(): void;
}

/** Where relayed server requests wait for the client's answer, and whose answers count. */
export interface ServerRequestRouting {
  pending: PendingServerRequests;
  principal: string;
}

/**
 * Relays an upstream's notifications about one request — progress, and log messages
 * (`notifications/message`) — when the client accepts `text/event-stream`: the answer turns into
 * server-sent events at the first one (the SDK's own "auto" response mode), and the result follows
 * as the last event; without any, the answer stays one JSON body. Progress needs the client's
 * `progressToken`. Log messages go to 2026-07-28 clients only when the request's `_meta` names a
 * `logLevel`, at that severity or above, as that revision requires; 2025-era clients get those at
 * or above the `logLevel` their `_meta` names, and all of them without one (stateless serving keeps
 * no `logging/setLevel`). Undefined when there is nothing to relay.
 */
export function notificationRelay(
  res: ServerResponse,
  params: unknown,
  accept: string | undefined,
  era: Era,
  routing?: ServerRequestRouting,
): NotificationRelay | undefined {
  if (!/text\/event-stream/i.test(accept ?? '')) return undefined;
  const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const token = meta?.['progressToken'];
  const hasToken = typeof token === 'string' || typeof token === 'number';
  const threshold = severityOf(meta?.[LOG_LEVEL_META_KEY]) ?? (era === 'legacy' ? 0 : undefined);
  if (!hasToken && threshold === undefined) return undefined;

  let streaming = false;
  let headers: Record<string, string> = {};
  let relayed = 0;
  let dropped = 0;
  const asked: string[] = [];
  const write = (payload: unknown) => {
    if (!streaming) {
      streaming = true;
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' });
    }
    res.write(`event: message\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  /** Whether a notification may go now; counts the ones that may not. */
  const room = (): boolean => {
    if (res.writableEnded || res.destroyed) return false;
    if (relayed >= MAX_RELAYED_NOTIFICATIONS || res.writableLength > MAX_UNREAD_BYTES) {
      dropped += 1;
      return false;
    }
    relayed += 1;
    return true;
  };
  return {
    setHeaders: (admitted) => {
      headers = admitted;
    },
    streaming: () => streaming,
    dropped: () => dropped,
    onProgress: hasToken
      ? (update) => {
          if (room()) write({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, ...update } });
        }
      : undefined,
    onLog:
      threshold === undefined
        ? undefined
        : (level, sanitized) => {
            const severity = severityOf(level);
            if (severity !== undefined && severity >= threshold && room()) write({ jsonrpc: '2.0', method: 'notifications/message', params: sanitized() });
          },
    // 2026-07-28 has no server-to-client requests on a response stream (it asks for input in results).
    onServerRequest:
      era === 'legacy' && routing
        ? (request) => {
            const waiting = asked.filter((id) => routing.pending.has(id)).length;
            const id = waiting < MAX_WAITING_PER_CALL && room() ? routing.pending.open(routing.principal, request.method, request.respond) : undefined;
            if (id === undefined) return request.respond(unreachableClient(request.method));
            asked.push(id);
            write({ jsonrpc: '2.0', id, method: request.method, ...(request.params && { params: request.params }) });
          }
        : undefined,
    finish(body) {
      if (res.writableEnded || res.destroyed) return;
      write(body);
      res.end();
    },
    close() {
      // The call is over: the upstream stops waiting (it is refused) and the client stops being asked.
      for (const id of asked) {
        const entry = routing?.pending.take(id);
        if (!entry) continue;
        entry.respond(unreachableClient(entry.method));
        if (!res.writableEnded && !res.destroyed) write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the call is over' } });
      }
    },
  };
}

function severityOf(level: unknown): number | undefined {
  return typeof level === 'string' && Object.hasOwn(LOG_SEVERITY, level) ? LOG_SEVERITY[level] : undefined;
}
