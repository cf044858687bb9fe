import { describe, expect, it } from 'vitest';
import { appEnv, commonEnv, devServices, resolveSecrets } from './dev-services.js';

describe('npm start environment', () => {
  const env = {
    PATH: '/usr/bin',
    CLAUDE_API_KEY: 'sk-ant-planted',
    REDIS_URL: 'redis://:pw@127.0.0.1:6379',
    AWS_SECRET_ACCESS_KEY: 'planted',
    BROKER_SERVICE_TOKEN: 'svc_from_env_0123456789',
  };
  const { secrets, generated } = resolveSecrets(env);
  const services = Object.fromEntries(devServices(secrets, '/repo').map((s) => [s.name, s]));
  const envOf = (name: string) => appEnv(services[name] ?? (undefined as never), env);

  it('prefers secrets from the environment and generates the rest', () => {
    expect(secrets.BROKER_SERVICE_TOKEN).toBe('svc_from_env_0123456789');
    expect(generated).toContain('GATEWAY_ADMIN_KEY');
    expect(generated).not.toContain('BROKER_SERVICE_TOKEN');
    expect(secrets.GATEWAY_ADMIN_KEY).toMatch(/^mcpgw_admin_[A-Za-z0-9_-]{43}$/);
  });

  it('gives each app only the secrets it checks or presents', () => {
    expect(envOf('broker')['BROKER_SERVICE_TOKEN']).toBe(secrets.BROKER_SERVICE_TOKEN);
    expect(envOf('broker')['COLLECTOR_SERVICE_TOKEN']).toBeUndefined();
    expect(envOf('broker')['GATEWAY_ADMIN_KEY']).toBeUndefined();
    expect(envOf('gateway')['BROKER_SERVICE_TOKEN']).toBe(secrets.BROKER_SERVICE_TOKEN);
    expect(envOf('chat')['SENTRAIP_CLIENT_SECRET']).toBeUndefined();
    expect(envOf('simulator')['SENTRAIP_CLIENT_SECRET']).toBe(envOf('broker')['SENTRAIP_CLIENT_SECRET']);
  });

  it("hands the chat client its gateway key and the gateway only that key's hash", () => {
    const chatKey = envOf('chat')['CHAT_GATEWAY_API_KEY'] ?? '';
    expect(chatKey).toMatch(/^mcpgw_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(envOf('gateway')['GATEWAY_PROVISIONED_KEYS']).toMatch(/^claude-mcp-client:analyst:[a-f0-9]{64}$/);
    expect(JSON.stringify(envOf('gateway'))).not.toContain(chatKey);
  });

  it('passes API keys and Redis credentials only to the apps that use them', () => {
    expect(envOf('chat')['CLAUDE_API_KEY']).toBe('sk-ant-planted');
    expect(envOf('gateway')['CLAUDE_API_KEY']).toBeUndefined();
    expect(envOf('gateway')['REDIS_URL']).toBe(env.REDIS_URL);
    expect(envOf('simulator')['REDIS_URL']).toBeUndefined();
    for (const name of Object.keys(services)) expect(envOf(name)['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
  });

  it('leaves only the common variables in the environment every child inherits', () => {
    expect(commonEnv(env)).toEqual({ PATH: '/usr/bin' });
  });
});
