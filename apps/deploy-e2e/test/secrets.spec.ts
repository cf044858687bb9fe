import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDotEnv, readComposeRaw } from './support/compose.js';
import { exampleSecrets, generatedSecrets } from './support/overlays.js';
import { readYaml, ROOT } from './support/repo.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'deploy/scripts/generate-secrets.mjs');
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Variables docker compose refuses to start without (`${VAR:?...}`). */
function composeRequiredVariables(): string[] {
  const text = JSON.stringify(readComposeRaw());
  return [
    ...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1] as string)),
  ].sort();
}

describe('deploy/scripts/generate-secrets.mjs', () => {
  it('generates every variable docker compose requires', async () => {
    const secrets = await generatedSecrets('compose');
    expect(composeRequiredVariables().filter((v) => !secrets[v])).toEqual([]);
  });

  it('generates every key the dev overlay Secret must hold', async () => {
    const secrets = await generatedSecrets('k8s-dev');
    expect(Object.keys(exampleSecrets('dev')).filter((k) => !secrets[k])).toEqual([]);
    expect(secrets['REDIS_URL']).toBe('redis://redis:6379/0');
  });

  it("hands the gateway only the hash of the chat client's key, for a client and role its config knows", async () => {
    const s = await generatedSecrets('compose');
    const [client, role, hash] = String(s['GATEWAY_PROVISIONED_KEYS']).split(':');
    expect(hash).toBe(createHash('sha256').update(String(s['CHAT_GATEWAY_API_KEY'])).digest('hex'));
    const config = readYaml('deploy/k8s/base/config/gateway.yaml') as {
      clients: Array<{ id: string }>;
      toolSets: Record<string, { requiredRole: string }>;
    };
    expect(config.clients.map((c) => c.id)).toContain(client);
    expect(Object.values(config.toolSets).map((t) => t.requiredRole)).toContain(role);
    expect(JSON.stringify(s)).not.toContain(`:${s['CHAT_GATEWAY_API_KEY']}`);
  });

  it('draws fresh random values on every run', async () => {
    const [a, b] = await Promise.all([generatedSecrets('compose'), generatedSecrets('compose')]);
    for (const key of [
      'GATEWAY_ADMIN_KEY',
      'BROKER_SERVICE_TOKEN',
      'SENTRAIP_CLIENT_SECRET',
      'CHAT_GATEWAY_API_KEY',
      'GRAFANA_ADMIN_PASSWORD',
    ]) {
      expect(a[key], key).not.toBe(b[key]);
      expect(String(a[key]).length, key).toBeGreaterThanOrEqual(32);
    }
  });

  it('writes a private file and never overwrites one unless forced', async () => {
    const out = join(dir, '.env');
    await run(process.execPath, [SCRIPT, '--target', 'compose', '--out', out]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const first = readFileSync(out, 'utf8');
    await expect(
      run(process.execPath, [SCRIPT, '--target', 'compose', '--out', out]),
    ).rejects.toMatchObject({ code: 1 });
    expect(readFileSync(out, 'utf8')).toBe(first);
    await run(process.execPath, [SCRIPT, '--target', 'compose', '--out', out, '--force']);
    expect(parseDotEnv(readFileSync(out, 'utf8'))['BROKER_SERVICE_TOKEN']).not.toBe(
      parseDotEnv(first)['BROKER_SERVICE_TOKEN'],
    );
  });

  it('refuses an unknown target', async () => {
    await expect(run(process.execPath, [SCRIPT, '--target', 'staging'])).rejects.toMatchObject({
      code: 2,
    });
  });

  it('keeps the generated .env out of git and out of the images', async () => {
    const { stdout } = await run('git', ['check-ignore', '.env'], { cwd: ROOT });
    expect(stdout.trim()).toBe('.env');
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('.env');
  });
});
