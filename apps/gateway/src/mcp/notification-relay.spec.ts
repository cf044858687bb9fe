import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_RELAYED_NOTIFICATIONS, MAX_UNREAD_BYTES, notificationRelay } from './notification-relay.js';

/** What the relay does to a response: its head and its SSE events. */
function recordingResponse() {
  const state = { status: 0, headers: {} as Record<string, string>, events: [] as Array<Record<string, unknown>>, ended: false, unread: 0 };
  const res = {
    writeHead(status: number, headers: Record<string, string>) {
      state.status = status;
      state.headers = headers;
      return res;
    },
    write(chunk: string) {
      state.events.push(JSON.parse(chunk.replace(/^event: message\ndata: /, '')) as Record<string, unknown>);
      return true;
    },
    end() {
      state.ended = true;
    },
    get writableEnded() {
      return state.ended;
    },
    destroyed: false,
    get writableLength() {
      return state.unread;
    },
  };
  return { res: res as unknown as ServerResponse, state };
}

const SSE = 'application/json, text/event-stream';
const log = (level: string) => () => ({ level, data: `a ${level} message` });
const levelsOf = (events: Array<Record<string, unknown>>) => events.map((e) => (e['params'] as { level?: string } | undefined)?.level ?? 'answer');
const modernMeta = (extra: Record<string, unknown> = {}) => ({ _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', ...extra } });

describe('notificationRelay', () => {
  it('relays nothing to a client that does not accept a stream, or to a 2026-07-28 request without a logLevel or progress token', () => {
    expect(notificationRelay(recordingResponse().res, {}, 'application/json', 'legacy')).toBeUndefined();
    expect(notificationRelay(recordingResponse().res, modernMeta(), SSE, 'modern')).toBeUndefined();
  });

  it('gives a 2026-07-28 client the messages at or above its logLevel, and sanitizes only those', () => {
    const { res, state } = recordingResponse();
    const relay = notificationRelay(res, modernMeta({ 'io.modelcontextprotocol/logLevel': 'warning' }), SSE, 'modern');
    const sanitized: string[] = [];
    for (const level of ['debug', 'info', 'warning', 'error', 'ERROR', '__proto__', 'emergency']) {
      relay?.onLog?.(level, () => {
        sanitized.push(level);
        return log(level)();
      });
    }
    relay?.finish({ jsonrpc: '2.0', id: 1, result: {} });
    expect(levelsOf(state.events)).toEqual(['warning', 'error', 'emergency', 'answer']);
    expect(sanitized).toEqual(['warning', 'error', 'emergency']);
    expect(state.ended).toBe(true);
  });

  it('gives a 2025-era client every message, or those at or above the logLevel its _meta names', () => {
    const all = recordingResponse();
    const relayAll = notificationRelay(all.res, {}, SSE, 'legacy');
    for (const level of ['debug', 'notice', 'critical']) relayAll?.onLog?.(level, log(level));
    expect(levelsOf(all.state.events)).toEqual(['debug', 'notice', 'critical']);

    const some = recordingResponse();
    const relaySome = notificationRelay(some.res, { _meta: { 'io.modelcontextprotocol/logLevel': 'error' } }, SSE, 'legacy');
    for (const level of ['debug', 'notice', 'critical']) relaySome?.onLog?.(level, log(level));
    expect(levelsOf(some.state.events)).toEqual(['critical']);
  });

  it('opens the stream with the admission headers and the SSE content type', () => {
    const { res, state } = recordingResponse();
    const relay = notificationRelay(res, { _meta: { progressToken: 'p1' } }, SSE, 'legacy');
    relay?.setHeaders({ 'RateLimit-Remaining': '41', 'content-type': 'application/json' });
    relay?.onProgress?.({ progress: 1, total: 2 });
    expect(state.status).toBe(200);
    expect(state.headers).toMatchObject({ 'RateLimit-Remaining': '41', 'content-type': 'text/event-stream' });
    expect(state.events).toEqual([{ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p1', progress: 1, total: 2 } }]);
  });

  it(`relays at most ${MAX_RELAYED_NOTIFICATIONS} notifications per request, counts the rest, and still sends the answer`, () => {
    const { res, state } = recordingResponse();
    const relay = notificationRelay(res, {}, SSE, 'legacy');
    for (let i = 0; i < MAX_RELAYED_NOTIFICATIONS + 5; i += 1) relay?.onLog?.('info', log('info'));
    relay?.finish({ jsonrpc: '2.0', id: 1, result: {} });
    expect(state.events).toHaveLength(MAX_RELAYED_NOTIFICATIONS + 1);
    expect(relay?.dropped()).toBe(5);
    expect(state.events.at(-1)).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });

  it('drops notifications while the client is not reading, never the answer', () => {
    const { res, state } = recordingResponse();
    const relay = notificationRelay(res, {}, SSE, 'legacy');
    relay?.onLog?.('info', log('info'));
    state.unread = MAX_UNREAD_BYTES + 1;
    relay?.onLog?.('error', log('error'));
    relay?.finish({ jsonrpc: '2.0', id: 1, result: {} });
    expect(levelsOf(state.events)).toEqual(['info', 'answer']);
    expect(relay?.dropped()).toBe(1);
  });
});
