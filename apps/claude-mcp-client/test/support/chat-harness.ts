/** The real chat app (`createChatCore` + `createChatApp`) in this process on 127.0.0.1:0, and HTTP helpers. */
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { listen } from '@mcpgw/service-kit';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { createChatApp } from '../../src/app.js';
import { createChatCore, type ChatCore } from '../../src/chat-core.js';
import { readChatConfig, type ChatConfig } from '../../src/config.js';
import { readSse, type SseEvent } from '../../src/cli/sse-reader.js';
import { CHAT_SERVICE_TOKEN, type TestSystem } from './system.js';

export interface ChatHarness {
  readonly url: string;
  readonly core: ChatCore;
  readonly config: ChatConfig;
  readonly registry: Registry;
  readonly store: StateStore;
  readonly logLines: string[];
  close(): Promise<void>;
}

export interface StartChatOptions {
  /** The gateway and friends; without it the gateway URL is a dead port. */
  system?: TestSystem;
  /** Chat environment on top of the defaults (a fake Claude is set with CLAUDE_API_KEY + ANTHROPIC_BASE_URL). */
  env?: Record<string, string>;
  /** Default: a fresh in-process memory store (closed with the harness). */
  store?: StateStore;
}

export async function startChat(options: StartChatOptions = {}): Promise<ChatHarness> {
  const logLines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logLines.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ service: 'claude-mcp-client', level: 'debug', stream });
  const registry = new Registry();
  const config = readChatConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    GATEWAY_URL: options.system?.gatewayUrl ?? 'http://127.0.0.1:9',
    CHAT_SERVICE_TOKEN,
    ...(options.system ? { CHAT_GATEWAY_API_KEY: options.system.chatKey } : {}),
    CLAUDE_MAX_RETRIES: '2',
    ...options.env,
  });
  const store = options.store ?? createStateStore({ keyPrefix: 'chat:' });
  const core = createChatCore({ config, logger, registry, store });
  const server = await listen(createChatApp({ config, logger, registry, store, core, isShuttingDown: () => false }), { host: '127.0.0.1', port: 0 });
  options.system?.chatForwarder.setTarget(server.url);
  return {
    url: server.url,
    core,
    config,
    registry,
    store,
    logLines,
    async close() {
      options.system?.chatForwarder.setTarget(undefined);
      await server.drain(500);
      await core.close();
      if (!options.store) await store.close();
    },
  };
}

/** Headers of a service caller speaking for `user`. */
export const asService = (user: string) => ({ authorization: `Bearer ${CHAT_SERVICE_TOKEN}`, 'x-chat-user': user });
/** Headers of a caller with a gateway API key. */
export const withKey = (key: string) => ({ authorization: `Bearer ${key}` });

export async function postChat(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Posts to `/chat/stream` and collects every event until the stream ends. */
export async function streamChat(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; events: Array<SseEvent & { json: Record<string, unknown> }> }> {
  const response = await fetch(`${url}/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (!response.ok || !response.body) return { status: response.status, events: [] };
  const events: Array<SseEvent & { json: Record<string, unknown> }> = [];
  for await (const event of readSse(response.body)) events.push({ ...event, json: JSON.parse(event.data) as Record<string, unknown> });
  return { status: response.status, events };
}

/** The value of one sample of a metric in the registry (0 when absent). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
  return match?.value ?? 0;
}
