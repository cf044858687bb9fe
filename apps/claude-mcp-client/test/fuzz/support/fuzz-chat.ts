/**
 * The chat client under attack: the real app (`startChat`) in front of a fake gateway (key checks,
 * `/mcp` proxied to a real MCP server with `echo`, `fail` and `add`) and the fake Messages API,
 * all on 127.0.0.1 ephemeral ports. Plus the secrets the answers must never contain.
 */
import { echoTool, failingTool, leaksInternals, startFakeMcpUpstream, structuredTool, type FakeMcpUpstream, type FakeTool } from '@mcpgw/testing';
import type { StateStore } from '@mcpgw/state';
import { startChat, type ChatHarness } from '../../support/chat-harness.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../support/fake-anthropic.js';
import { CHAT_SERVICE_TOKEN } from '../../support/system.js';
import { startFakeGateway, type FakeGateway } from './fake-gateway.js';

export const ALICE_KEY = 'alice-gateway-key-0123456789abcdef';
export const BOB_KEY = 'bob-gateway-key-0123456789abcdefgh';
export const CHAT_GATEWAY_KEY = 'chat-own-gateway-key-0123456789abcd';
export const CLAUDE_KEY = 'sk-ant-fuzz-secret-0123456789abcdef';
export { CHAT_SERVICE_TOKEN };

/** Secrets of the deployment: none may appear in any answer. */
export const SECRETS: readonly string[] = [CLAUDE_KEY, CHAT_GATEWAY_KEY, CHAT_SERVICE_TOKEN, ALICE_KEY, BOB_KEY];

/** True when `text` contains a secret, a stack frame or a source path. */
export function leaks(text: string): boolean {
  return SECRETS.some((s) => text.includes(s)) || leaksInternals(text);
}

export interface FuzzStack {
  readonly chat: ChatHarness;
  readonly gateway: FakeGateway;
  readonly upstream: FakeMcpUpstream;
  readonly model?: FakeAnthropic;
  close(): Promise<void>;
}

export interface FuzzStackOptions {
  /** Use the fake Messages API (otherwise offline mode: no Claude key). */
  claude?: boolean;
  env?: Record<string, string>;
  tools?: readonly FakeTool[];
  /** SDK generation of the MCP server behind the fake gateway (v1 serves any tool name and schema verbatim). */
  sdk?: 'v1' | 'v2';
  /** Default: a fresh memory store. */
  store?: StateStore;
}

export async function startFuzzStack(options: FuzzStackOptions = {}): Promise<FuzzStack> {
  const upstream = await startFakeMcpUpstream({ sdk: options.sdk ?? 'v2', tools: options.tools ?? [echoTool, failingTool, structuredTool] });
  const gateway = await startFakeGateway(upstream.url, [ALICE_KEY, BOB_KEY]);
  const model = options.claude ? await startFakeAnthropic() : undefined;
  let chat: ChatHarness;
  try {
    chat = await startChat({
      store: options.store,
      env: {
        GATEWAY_URL: gateway.url,
        CHAT_GATEWAY_API_KEY: CHAT_GATEWAY_KEY,
        CLAUDE_MAX_RETRIES: '0',
        ...(model ? { CLAUDE_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: model.url } : {}),
        ...options.env,
      },
    });
  } catch (err) {
    await Promise.all([gateway.close(), upstream.close(), model?.close()]);
    throw err;
  }
  return {
    chat,
    gateway,
    upstream,
    model,
    async close() {
      await chat.close();
      await Promise.all([gateway.close(), upstream.close(), model?.close()]);
    },
  };
}

/** Headers of a service caller speaking for `user`. */
export const asService = (user: string): Record<string, string> => ({ authorization: `Bearer ${CHAT_SERVICE_TOKEN}`, 'x-chat-user': user });

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** POSTs `body` (a value to JSON-encode, or raw text) to `path` and reads the whole answer. */
export async function post(url: string, path: string, body: unknown, headers: Record<string, string>, options: { raw?: boolean; signal?: AbortSignal } = {}): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: options.raw ? (body as string) : JSON.stringify(body),
    signal: options.signal ?? AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
