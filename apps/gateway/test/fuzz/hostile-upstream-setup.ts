/**
 * The gateway the hostile-upstream suites attack: the hostile upstream behind two streamable-http
 * entries (`bad`: the default sanitization, secrets on; `raw`: the tool's sanitization off) and
 * one legacy-SSE entry (`old`, the SDK client's path), next to a well-behaved upstream (`good`).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { okResult, reply, sseEvent, startHostileUpstream, type HostileUpstream } from './hostile-upstream-support.js';

export const TIMEOUT_MS = 1_000;
export const MAX_DURATION_MS = 2_000;
/** The longest any answer may take: the call's cap plus a margin for a busy 2-core machine. */
export const DEADLINE_MS = MAX_DURATION_MS + 1_500;

export interface HostileSetup {
  hostile: HostileUpstream;
  good: FakeMcpUpstream;
  gateway: GatewayHarness;
  /** Back to valid answers on both transports. */
  behave(): void;
  close(): Promise<void>;
}

/** A breaker that never opens unless `breaker` says otherwise: every call is judged on its own answer. */
export async function startHostileSetup(breaker: Record<string, number> = { volumeThreshold: 10_000, errorThresholdPercentage: 100 }): Promise<HostileSetup> {
  const hostile = await startHostileUpstream();
  const good = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  const bounds = { timeoutMs: TIMEOUT_MS, maxDurationMs: MAX_DURATION_MS, breaker };
  const gateway = await startGateway({
    file: {
      sanitize: { secrets: true, perTool: { raw__junk: { secrets: false, pii: false } } },
      upstreams: [
        { id: 'bad', transport: 'streamable-http', url: hostile.mcpUrl, ...bounds },
        { id: 'raw', transport: 'streamable-http', url: hostile.mcpUrl, ...bounds },
        { id: 'old', transport: 'sse', url: hostile.sseUrl, ...bounds },
        { id: 'good', transport: 'streamable-http', url: good.url },
      ],
    },
  });
  const behave = () => {
    hostile.onStreamableCall((call, res) => reply(res, JSON.stringify(okResult(call.id))));
    hostile.onLegacyCall((call) => sseEvent(JSON.stringify(okResult(call.id))));
  };
  return {
    hostile,
    good,
    gateway,
    behave,
    async close() {
      await gateway.close();
      await hostile.close();
      await good.close();
    },
  };
}

/**
 * The setup for one suite (or describe block): started before its tests, back to valid answers
 * after each, closed after all. Its fields are read through once it has started.
 */
export function useHostileSetup(breaker?: Record<string, number>): HostileSetup {
  let started: HostileSetup | undefined;
  beforeAll(async () => {
    started = await startHostileSetup(breaker);
  });
  afterEach(() => started?.behave());
  afterAll(async () => {
    await started?.close();
  });
  const current = (): HostileSetup => {
    if (!started) throw new Error('the hostile setup has not started');
    return started;
  };
  return {
    get hostile() {
      return current().hostile;
    },
    get good() {
      return current().good;
    },
    get gateway() {
      return current().gateway;
    },
    behave: () => current().behave(),
    close: () => current().close(),
  };
}
