import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcpgw/service-kit';
import { DEFAULT_CLAUDE_MODEL, readChatCliConfig, readChatConfig } from './config.js';

describe('readChatConfig', () => {
  it('has working defaults: offline mode, the default model, an hour of session', () => {
    const config = readChatConfig({});
    expect(config.claude).toMatchObject({ apiKey: undefined, model: DEFAULT_CLAUDE_MODEL, maxRetries: 2, maxTokens: 4096 });
    expect(config.sessionTtlMs).toBe(3_600_000);
    expect(config.limits).toMatchObject({ maxTurns: 8, maxMessageChars: 8000, historyTokenBudget: 8000 });
    expect(config.gateway.url).toBe('http://127.0.0.1:8080');
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('takes CLAUDE_API_KEY first, then ANTHROPIC_API_KEY', () => {
    expect(readChatConfig({ ANTHROPIC_API_KEY: 'sk-ant-second-key' }).claude.apiKey).toBe('sk-ant-second-key');
    expect(readChatConfig({ CLAUDE_API_KEY: 'sk-ant-first-key', ANTHROPIC_API_KEY: 'sk-ant-second-key' }).claude.apiKey).toBe('sk-ant-first-key');
  });

  it('names every bad variable at once, never showing a secret', () => {
    try {
      readChatConfig({ CHAT_MAX_TURNS: '0', CHAT_SESSION_TTL_SECONDS: 'soon', CLAUDE_API_KEY: 'short', GATEWAY_URL: 'ftp://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      for (const name of ['CHAT_MAX_TURNS', 'CHAT_SESSION_TTL_SECONDS', 'CLAUDE_API_KEY', 'GATEWAY_URL']) expect(text).toContain(name);
      expect(text).not.toContain('short');
    }
  });
});

describe('readChatCliConfig', () => {
  it('uses CHAT_API_KEY, or the admin key as a development fallback', () => {
    expect(readChatCliConfig({ CHAT_API_KEY: 'mcpgw_abc_def12345' })).toMatchObject({ apiKey: 'mcpgw_abc_def12345', apiKeySource: 'CHAT_API_KEY', chatUrl: 'http://127.0.0.1:8081' });
    expect(readChatCliConfig({ GATEWAY_ADMIN_KEY: 'mcpgw_admin_123456', CHAT_URL: 'http://chat:9/' })).toMatchObject({ apiKeySource: 'GATEWAY_ADMIN_KEY', chatUrl: 'http://chat:9' });
    expect(readChatCliConfig({}).apiKey).toBeUndefined();
  });
});
