import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  deploymentRequiredKeys,
  loadConfigReader,
  readEnvKeys,
  RUNTIME_KEYS,
  TELEMETRY_KEYS,
} from './support/app-config.js';
import { containerEnv, find, workloads } from './support/k8s-inspect.js';
import { installValidator, validateObject } from './support/k8s-schema.js';
import { renderKustomization, type K8sObject } from './support/kustomize.js';
import { exampleSecrets, OVERLAYS, renderOverlay, type Overlay } from './support/overlays.js';
import { imageApps, readText, ROOT, runInRoot } from './support/repo.js';
import type { JsonObject } from './support/strategic-merge.js';

const rendered = new Map<Overlay, K8sObject[]>();
beforeAll(async () => {
  for (const overlay of OVERLAYS) rendered.set(overlay, await renderOverlay(overlay));
});
const objectsOf = (overlay: Overlay): K8sObject[] => rendered.get(overlay) ?? [];

/** Images the stack uses but does not build; pinned to a version, never `latest`. */
const THIRD_PARTY_IMAGES = [/^redis:7\.\d+-alpine$/];

describe('kustomize base', () => {
  it('renders on its own, with every app that ships an image but the dev-only simulator', () => {
    const objects = renderKustomization(join(ROOT, 'deploy/k8s/base'));
    const deployed = workloads(objects)
      .map((w) => w.object.metadata.name)
      .sort();
    expect(deployed).toEqual(imageApps().filter((app) => app !== 'sentraip-simulator'));
  });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('validates every object against the Kubernetes OpenAPI schemas', async (ctx) => {
    const installed = await installValidator();
    if (!installed.ok) {
      // Same policy as the Redis-backed tests: CI must validate; a laptop offline reports why not.
      if (process.env['CI'] === 'true') throw new Error(installed.reason);
      ctx.skip(`schema validation skipped: ${installed.reason}`);
    }
    const problems: string[] = [];
    for (const object of objectsOf(overlay)) {
      const problem = await validateObject(object);
      if (problem) problems.push(`${object.kind}/${object.metadata.name}: ${problem}`);
    }
    expect(problems).toEqual([]);
    expect(objectsOf(overlay).length).toBeGreaterThan(20);
  }, 180_000);

  it('gives every container probes, requests and limits and the restricted security context', () => {
    const problems: string[] = [];
    for (const w of workloads(objectsOf(overlay))) {
      const pod = w.pod;
      const podSc = (pod['securityContext'] ?? {}) as JsonObject;
      if (pod['automountServiceAccountToken'] !== false)
        problems.push(`${w.object.metadata.name}: service account token mounted`);
      const tmpVolumes = ((pod['volumes'] as JsonObject[] | undefined) ?? [])
        .filter((v) => v['emptyDir'] !== undefined)
        .map((v) => v['name']);
      for (const c of w.containers) {
        const where = `${w.object.metadata.name}/${String(c['name'])}`;
        const sc = (c['securityContext'] ?? {}) as JsonObject;
        const caps = (sc['capabilities'] ?? {}) as JsonObject;
        const seccomp = (sc['seccompProfile'] ?? podSc['seccompProfile'] ?? {}) as JsonObject;
        const resources = (c['resources'] ?? {}) as Record<
          string,
          Record<string, unknown> | undefined
        >;
        if (!c['livenessProbe']) problems.push(`${where}: no livenessProbe`);
        if (!c['readinessProbe']) problems.push(`${where}: no readinessProbe`);
        for (const kind of ['requests', 'limits'])
          for (const r of ['cpu', 'memory'])
            if (resources[kind]?.[r] === undefined) problems.push(`${where}: no ${kind}.${r}`);
        if (sc['allowPrivilegeEscalation'] !== false)
          problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (sc['readOnlyRootFilesystem'] !== true)
          problems.push(`${where}: root filesystem is writable`);
        if ((sc['runAsNonRoot'] ?? podSc['runAsNonRoot']) !== true)
          problems.push(`${where}: runAsNonRoot is not true`);
        if (!((caps['drop'] as string[] | undefined) ?? []).includes('ALL'))
          problems.push(`${where}: capabilities not dropped`);
        if ((caps['add'] as string[] | undefined)?.length)
          problems.push(`${where}: capabilities added`);
        if (seccomp['type'] !== 'RuntimeDefault')
          problems.push(`${where}: seccomp profile is not RuntimeDefault`);
        const tmp = ((c['volumeMounts'] as JsonObject[] | undefined) ?? []).find(
          (m) => m['mountPath'] === '/tmp',
        );
        if (!tmp || !tmpVolumes.includes(tmp['name'] as string))
          problems.push(`${where}: no emptyDir at /tmp`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('probes our services on /health (liveness) and /ready (readiness) on the named port', () => {
    for (const w of workloads(objectsOf(overlay)).filter((w) =>
      imageApps().includes(w.object.metadata.name),
    )) {
      const [c] = w.containers;
      const get = (probe: string) =>
        (c?.[probe] as { httpGet?: { path?: string; port?: unknown } } | undefined)?.httpGet;
      expect(get('livenessProbe'), w.object.metadata.name).toEqual({
        path: '/health',
        port: 'http',
      });
      expect(get('readinessProbe'), w.object.metadata.name).toEqual({
        path: '/ready',
        port: 'http',
      });
      expect((c?.['ports'] as JsonObject[])[0]).toMatchObject({ name: 'http' });
    }
  });

  it('names only images that a docker-build target builds, or pinned third-party images', () => {
    const built = new Set<string>();
    for (const app of imageApps()) {
      const project = JSON.parse(readText(`apps/${app}/project.json`)) as {
        targets: Record<string, { options: { command: string } }>;
      };
      const tag =
        /-t\s+(\S+)/.exec(project.targets['docker-build']?.options.command ?? '')?.[1] ?? '';
      built.add(tag.replace(/:[^:/]+$/, ''));
    }
    for (const w of workloads(objectsOf(overlay))) {
      for (const c of w.containers) {
        const image = String(c['image']);
        const repository = image.replace(/:[^:/]+$/, '');
        const ours = [...built].find((b) => repository === b || repository.endsWith(`/${b}`));
        if (ours) {
          if (overlay === 'prod')
            expect(image, 'prod pins a release tag from a registry').toMatch(
              /^[a-z0-9.-]+\.[a-z]+\/mcpgw\/[a-z-]+:\d+\.\d+\.\d+$/,
            );
        } else {
          expect(
            THIRD_PARTY_IMAGES.some((re) => re.test(image)),
            `${image} is neither built here nor an allowed third-party image`,
          ).toBe(true);
        }
      }
    }
  });

  it('sets every variable each service requires, with values its own config schema accepts', async () => {
    for (const w of workloads(objectsOf(overlay)).filter((w) =>
      imageApps().includes(w.object.metadata.name),
    )) {
      const app = w.object.metadata.name;
      const { env, problems } = containerEnv(w.containers[0] as JsonObject, objectsOf(overlay));
      expect(problems, app).toEqual([]);
      for (const key of deploymentRequiredKeys(app))
        expect(env[key], `${app}: ${key}`).toBeTruthy();
      expect(env['HOST'], `${app} binds all interfaces in a pod`).toBe('0.0.0.0');
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

  it('points every service URL at a Service of the overlay on its port', () => {
    const objects = objectsOf(overlay);
    for (const w of workloads(objects).filter((w) =>
      imageApps().includes(w.object.metadata.name),
    )) {
      const { env } = containerEnv(w.containers[0] as JsonObject, objects);
      for (const [key, value] of Object.entries(env).filter(
        ([k]) => k.endsWith('_URL') && k !== 'REDIS_URL' && k !== 'SENTRAIP_BASE_URL',
      )) {
        const url = new URL(value);
        const service = find(objects, 'Service', url.hostname);
        expect(service, `${w.object.metadata.name} ${key}=${value}`).toBeDefined();
        const ports = ((service?.['spec'] as JsonObject)['ports'] as JsonObject[]).map((p) =>
          String(p['port']),
        );
        expect(ports, `${w.object.metadata.name} ${key}`).toContain(url.port);
      }
    }
  });

  it('takes every credential from the Secret, whose keys are exactly those of secrets.env.example', () => {
    const objects = objectsOf(overlay);
    const required = new Set<string>();
    const optional = new Set<string>();
    for (const w of workloads(objects)) {
      for (const c of w.containers) {
        for (const e of (c['env'] as JsonObject[] | undefined) ?? []) {
          const ref = (e['valueFrom'] as JsonObject | undefined)?.['secretKeyRef'] as
            JsonObject | undefined;
          if (ref) (ref['optional'] === true ? optional : required).add(String(ref['key']));
        }
      }
    }
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
      const secretLike = Object.keys((cm['data'] ?? {}) as object).filter((k) =>
        /TOKEN|SECRET|_KEY|PASSWORD|REDIS_URL/.test(k),
      );
      expect(secretLike, `ConfigMap ${cm.metadata.name} holds secrets`).toEqual([]);
    }
    const example = Object.keys(exampleSecrets(overlay));
    expect(
      [...required].filter((k) => !example.includes(k)),
      'required keys missing from secrets.env.example',
    ).toEqual([]);
    expect(
      example.filter((k) => !required.has(k) && !optional.has(k)),
      'example keys no container reads',
    ).toEqual([]);
    expect(
      Object.values(exampleSecrets(overlay)).every((v) => v === ''),
      'the example holds no values',
    ).toBe(true);
  });

  it('keeps the overlay secrets.env out of git', async () => {
    const out = await runInRoot('git', [
      'check-ignore',
      `deploy/k8s/overlays/${overlay}/secrets.env`,
    ]);
    expect(out.trim()).toBe(`deploy/k8s/overlays/${overlay}/secrets.env`);
  });

  it('gives every Deployment a PodDisruptionBudget and every Service a workload', () => {
    const objects = objectsOf(overlay);
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const w of workloads(objects)) {
      const covered = pdbs.some((p) => {
        const labels = ((p['spec'] as JsonObject)['selector'] as JsonObject)[
          'matchLabels'
        ] as Record<string, string>;
        return Object.entries(labels).every(([k, v]) => w.labels[k] === v);
      });
      expect(covered, `${w.object.metadata.name} has a PodDisruptionBudget`).toBe(true);
    }
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const selector = (svc['spec'] as JsonObject)['selector'] as Record<string, string>;
      const target = workloads(objects).find((w) =>
        Object.entries(selector).every(([k, v]) => w.labels[k] === v),
      );
      expect(target, `Service ${svc.metadata.name} selects a workload`).toBeDefined();
      const names = target?.containers.flatMap((c) =>
        ((c['ports'] as JsonObject[]) ?? []).map((p) => p['name']),
      );
      for (const port of (svc['spec'] as JsonObject)['ports'] as JsonObject[])
        expect(names).toContain(port['targetPort']);
    }
  });

  it('autoscales existing Deployments; the gateway between its seed bounds at 70% CPU and 80% memory', () => {
    const objects = objectsOf(overlay);
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    for (const hpa of hpas) {
      const ref = (hpa['spec'] as JsonObject)['scaleTargetRef'] as JsonObject;
      expect(
        find(objects, String(ref['kind']), String(ref['name'])),
        `HPA ${hpa.metadata.name} target`,
      ).toBeDefined();
    }
    const gateway = hpas.find((h) => h.metadata.name === 'gateway')?.['spec'] as JsonObject;
    const targets = Object.fromEntries(
      (
        gateway['metrics'] as Array<{
          resource: { name: string; target: { averageUtilization: number } };
        }>
      ).map((m) => [m.resource.name, m.resource.target.averageUtilization]),
    );
    expect(targets).toEqual({ cpu: 70, memory: 80 });
    if (overlay === 'prod')
      expect([gateway['minReplicas'], gateway['maxReplicas']]).toEqual([3, 20]);
    else expect(gateway['minReplicas']).toBe(1);
  });

  it('runs in a namespace that enforces the restricted Pod Security Standard', () => {
    const namespaces = objectsOf(overlay).filter((o) => o.kind === 'Namespace');
    expect(namespaces).toHaveLength(1);
    expect(
      (namespaces[0]?.metadata.labels as Record<string, string>)[
        'pod-security.kubernetes.io/enforce'
      ],
    ).toBe('restricted');
    for (const o of objectsOf(overlay).filter((o) => o.kind !== 'Namespace'))
      expect(o.metadata.namespace).toBe(namespaces[0]?.metadata.name);
  });
});

describe('Redis per environment', () => {
  it('dev runs Redis as a StatefulSet with AOF on a volume', () => {
    const redis = workloads(objectsOf('dev')).find((w) => w.object.metadata.name === 'redis');
    expect(redis?.object.kind).toBe('StatefulSet');
    expect((redis?.containers[0]?.['args'] as string[]).join(' ')).toContain('--appendonly yes');
    expect(
      ((redis?.object['spec'] as JsonObject)['volumeClaimTemplates'] as JsonObject[]).length,
    ).toBe(1);
  });

  it('prod has no Redis of its own and reads REDIS_URL from the Secret', () => {
    const objects = objectsOf('prod');
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    for (const w of workloads(objects).filter((w) =>
      readEnvKeys(w.object.metadata.name).some((k) => k.name === 'REDIS_URL'),
    )) {
      const entry = ((w.containers[0]?.['env'] as JsonObject[]) ?? []).find(
        (e) => e['name'] === 'REDIS_URL',
      );
      expect(
        (entry?.['valueFrom'] as JsonObject | undefined)?.['secretKeyRef'],
        w.object.metadata.name,
      ).toBeDefined();
    }
  });
});
