import type { ServerResponse } from 'node:http';
import type { Era } from './dispatcher.js';

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

/** Relays what an upstream sends about one request while serving it; see {@link notificationRelay}. */
export interface NotificationRelay {
  /** Set when the client sent a progress token. */
  onProgress?: (update: { progress: number; total?: number; message?: string }) => void;
  /** Set when the client may receive log messages for this request. */
  onLog?: (params: Record<string, unknown>) => void;
  /** Whether the answer has turned into an SSE stream. */
  streaming(): boolean;
  /** Sends the final JSON-RPC message as the stream's last event and ends it. */
  finish(body: unknown): void;
}

/**
 * Relays an upstream's notifications about one request — progress, and log messages
 * (`notifications/message`) — when the client accepts `text/event-stream`: the answer turns into
 * server-sent events at the first one (the SDK's own "auto" response mode), and the result follows
 * as the last event; without any, the answer stays one JSON body. Progress needs the client's
 * `progressToken`. Log messages go to 2025-era clients as the upstream sends them (stateless
 * serving keeps no `logging/setLevel`), and to 2026-07-28 clients only when the request's `_meta`
 * names a `logLevel`, at that severity or above, as that revision requires. Undefined when there is
 * nothing to relay.
 */
export function notificationRelay(res: ServerResponse, params: unknown, accept: string | undefined, era: Era): NotificationRelay | undefined {
  if (!/text\/event-stream/i.test(accept ?? '')) return undefined;
  const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const token = meta?.['progressToken'];
  const hasToken = typeof token === 'string' || typeof token === 'number';
  const threshold = era === 'legacy' ? 0 : severityOf(meta?.[LOG_LEVEL_META_KEY]);
  if (!hasToken && threshold === undefined) return undefined;

  let streaming = false;
  const send = (payload: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    if (!streaming) {
      streaming = true;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' });
    }
    res.write(`event: message\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  return {
    streaming: () => streaming,
    onProgress: hasToken ? (update) => send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, ...update } }) : undefined,
    onLog:
      threshold === undefined
        ? undefined
        : (log) => {
            const severity = severityOf(log['level']);
            if (severity !== undefined && severity >= threshold) send({ jsonrpc: '2.0', method: 'notifications/message', params: log });
          },
    finish(body) {
      send(body);
      if (!res.writableEnded) res.end();
    },
  };
}

function severityOf(level: unknown): number | undefined {
  return typeof level === 'string' && Object.hasOwn(LOG_SEVERITY, level) ? LOG_SEVERITY[level] : undefined;
}
