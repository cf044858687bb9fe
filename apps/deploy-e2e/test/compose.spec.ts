import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  defaultPort,
  deploymentRequiredKeys,
  loadConfigReader,
  readEnvKeys,
  RUNTIME_KEYS,
  TELEMETRY_KEYS,
} from './support/app-config.js';
import {
  ComposeInterpolationError,
  interpolate,
  readCompose,
  readComposeRaw,
  serviceEnv,
  type ComposeService,
} from './support/compose.js';
import { generatedSecrets } from './support/overlays.js';
import { imageApps, ROOT } from './support/repo.js';

let secrets: Record<string, string> = {};
let services: Record<string, ComposeService> = {};
let networks: Record<string, { internal?: boolean } | null> = {};
beforeAll(async () => {
  secrets = await generatedSecrets('compose');
  const compose = readCompose(secrets);
  services = compose.services;
  networks = (compose.networks ?? {}) as typeof networks;
});

const netsOf = (name: string): string[] => {
  const n = services[name]?.['networks'];
  return Array.isArray(n) ? (n as string[]) : n ? Object.keys(n) : ['default'];
};
const dependsOn = (name: string): Record<string, { condition?: string }> =>
  (services[name]?.['depends_on'] ?? {}) as Record<string, { condition?: string }>;
function dependsTransitively(from: string, to: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  return Object.keys(dependsOn(from)).some((d) => d === to || dependsTransitively(d, to, seen));
}

describe('docker-compose.yml', () => {
  it('runs Redis with AOF, the observability stack and one service per image', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['grafana', 'jaeger', 'otel-collector', 'prometheus', 'redis', ...imageApps()].sort(),
    );
    expect((services['redis']?.['command'] as string[]).join(' ')).toContain('--appendonly yes');
  });

  it('builds each service from its Dockerfile as the image its docker-build target tags', () => {
    for (const app of imageApps()) {
      expect(services[app]?.['build'], app).toEqual({
        context: '.',
        dockerfile: `apps/${app}/Dockerfile`,
      });
      expect(services[app]?.['image'], app).toBe(`mcpgw/${app}:latest`);
    }
  });

  it('runs the services hardened: read-only root, tmpfs /tmp, no capabilities, no privilege gain, node health check', () => {
    for (const app of imageApps()) {
      const s = services[app] as ComposeService;
      expect(s['read_only'], app).toBe(true);
      expect(s['tmpfs'], app).toEqual(['/tmp']);
      expect(s['cap_drop'], app).toEqual(['ALL']);
      expect(s['security_opt'], app).toContain('no-new-privileges:true');
      expect((s['healthcheck'] as { test: string[] }).test, app).toEqual([
        'CMD',
        'node',
        '/app/healthcheck.mjs',
      ]);
      expect(s['user'], `${app} keeps the image's non-root user`).toBeUndefined();
    }
  });

  it('health-gates every dependency that has a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries(dependsOn(name))) {
        expect(services[dep], `${name} depends on a missing service ${dep}`).toBeDefined();
        const wanted = services[dep]?.['healthcheck'] ? 'service_healthy' : 'service_started';
        expect(spec.condition, `${name} -> ${dep}`).toBe(wanted);
      }
      void service;
    }
  });

  it('sets every variable each service requires, with values its own config schema accepts', async () => {
    for (const app of imageApps()) {
      const env = serviceEnv(services[app] as ComposeService);
      for (const key of deploymentRequiredKeys(app))
        expect(env[key], `${app}: ${key}`).toBeTruthy();
      expect(env['HOST'], app).toBe('0.0.0.0');
      expect(Number(env['PORT']), app).toBe(defaultPort(app));
      const known = new Set([
        ...readEnvKeys(app).map((k) => k.name),
        ...TELEMETRY_KEYS,
        ...RUNTIME_KEYS,
      ]);
      expect(
        Object.keys(env).filter((k) => !known.has(k)),
        `${app}: variables its config does not read`,
      ).toEqual([]);
      const readConfig = await loadConfigReader(app);
      expect(() => readConfig(env), app).not.toThrow();
    }
  });

  it('points every service URL at a service that shares a network and starts first (or depends on the caller)', () => {
    for (const app of imageApps()) {
      const env = serviceEnv(services[app] as ComposeService);
      for (const [key, value] of Object.entries(env).filter(
        ([k]) => k.endsWith('_URL') || k === 'OTEL_EXPORTER_OTLP_ENDPOINT',
      )) {
        const url = new URL(value);
        const target = url.hostname;
        expect(services[target], `${app} ${key}=${value}`).toBeDefined();
        expect(
          netsOf(app).some((n) => netsOf(target).includes(n)),
          `${app} and ${target} share a network`,
        ).toBe(true);
        if (target !== 'otel-collector') {
          expect(
            dependsOn(app)[target] !== undefined || dependsTransitively(target, app),
            `${app} waits for ${target}`,
          ).toBe(true);
        }
        if (services[target]?.['image']?.toString().startsWith('mcpgw/'))
          expect(Number(url.port), `${app} ${key}`).toBe(defaultPort(target));
      }
    }
  });

  it('takes every credential from .env, required with a message, never a committed value', () => {
    const raw = readComposeRaw().services;
    for (const app of imageApps()) {
      const env = (raw[app]?.environment ?? {}) as Record<string, string>;
      for (const key of deploymentRequiredKeys(app).filter((k) =>
        /TOKEN|SECRET|_KEY|CLIENT_ID/.test(k),
      )) {
        expect(String(env[key]), `${app}: ${key}`).toMatch(
          new RegExp(`^\\$\\{${key}:\\?[^}]+\\}$`),
        );
      }
    }
    expect(() => readCompose({})).toThrow(ComposeInterpolationError);
    expect(() => readCompose({ ...secrets, BROKER_SERVICE_TOKEN: '' })).toThrow(
      /BROKER_SERVICE_TOKEN: set BROKER_SERVICE_TOKEN in \.env/,
    );
  });

  it('interpolates like docker compose', () => {
    expect(interpolate('${A:-x}|${B-y}|${C:-z}|$$D|$A', { A: 'a', C: '' })).toBe('a|y|z|$D|a');
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow('A: set A');
    expect(interpolate('${A?set A}', { A: '' })).toBe('');
  });

  it('isolates the sandbox with the gateway, and the simulator with the broker and telemetry', () => {
    const members = (net: string) => Object.keys(services).filter((s) => netsOf(s).includes(net));
    for (const net of netsOf('sandbox-log-analysis')) {
      expect(networks[net]?.internal, `${net} is internal`).toBe(true);
      expect(members(net).sort()).toEqual(['gateway', 'sandbox-log-analysis']);
    }
    for (const net of netsOf('sentraip-simulator')) {
      expect(networks[net]?.internal, `${net} is internal`).toBe(true);
      expect(
        members(net).filter(
          (m) =>
            ![
              'sentraip-simulator',
              'sentraip-oauth-broker',
              'otel-collector',
              'prometheus',
            ].includes(m),
        ),
      ).toEqual([]);
    }
  });

  it('publishes only the entry points and UIs, on loopback', () => {
    const published = Object.entries(services).filter(([, s]) => s['ports']);
    for (const [name, s] of published)
      for (const p of s['ports'] as string[]) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(published.map(([n]) => n).sort()).toEqual([
      'claude-mcp-client',
      'gateway',
      'grafana',
      'jaeger',
      'prometheus',
      'redis',
    ]);
  });

  it('mounts existing config files; the gateway config passes the gateway validation and names the sandbox', async () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s['volumes'] as string[] | undefined) ?? []) {
        if (v.startsWith('./'))
          expect(existsSync(join(ROOT, v.split(':')[0] as string)), `${name}: ${v}`).toBe(true);
      }
    }
    const mount = ((services['gateway']?.['volumes'] as string[]) ?? []).find((v) =>
      v.endsWith(':/etc/mcpgw/gateway.yaml:ro'),
    );
    const file = join(ROOT, String(mount?.split(':')[0]));
    const loader = (await import(
      pathToFileURL(join(ROOT, 'apps/gateway/src/gateway-config/load.ts')).href
    )) as {
      loadGatewayConfig: (file: string) => Promise<{ upstreams: Array<{ url?: string }> }>;
    };
    const config = await loader.loadGatewayConfig(file);
    expect(config.upstreams.map((u) => new URL(String(u.url)).host)).toEqual([
      `sandbox-log-analysis:${defaultPort('sandbox-log-analysis')}`,
    ]);
    expect(serviceEnv(services['gateway'] as ComposeService)['GATEWAY_CONFIG']).toBe(
      '/etc/mcpgw/gateway.yaml',
    );
  });
});
