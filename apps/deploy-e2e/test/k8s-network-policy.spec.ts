import { beforeAll, describe, expect, it } from 'vitest';
import { ipBlockReaches, selects, workloads, type Workload } from './support/k8s-inspect.js';
import type { K8sObject } from './support/kustomize.js';
import { OVERLAYS, renderOverlay, type Overlay } from './support/overlays.js';
import type { JsonObject } from './support/strategic-merge.js';

const rendered = new Map<Overlay, K8sObject[]>();
beforeAll(async () => {
  for (const overlay of OVERLAYS) rendered.set(overlay, await renderOverlay(overlay));
});

interface Rule {
  readonly policy: string;
  readonly peers: JsonObject[] | undefined;
  readonly ports: JsonObject[] | undefined;
}

function policiesOf(objects: readonly K8sObject[]) {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((p) => ({ name: p.metadata.name, spec: p['spec'] as JsonObject }));
}

/** The ingress or egress rules that apply to a workload's pods, and whether that direction is isolated. */
function rulesFor(
  objects: readonly K8sObject[],
  w: Workload,
  direction: 'Ingress' | 'Egress',
): { isolated: boolean; rules: Rule[] } {
  const applying = policiesOf(objects).filter((p) =>
    selects(p.spec['podSelector'] as JsonObject, w.labels),
  );
  const typed = applying.filter((p) =>
    ((p.spec['policyTypes'] as string[] | undefined) ?? ['Ingress']).includes(direction),
  );
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peerKey = direction === 'Ingress' ? 'from' : 'to';
  return {
    isolated: typed.length > 0,
    rules: typed.flatMap((p) =>
      ((p.spec[key] as JsonObject[] | undefined) ?? []).map((r) => ({
        policy: p.name,
        peers: r[peerKey] as JsonObject[] | undefined,
        ports: r['ports'] as JsonObject[] | undefined,
      })),
    ),
  };
}

const byName = (objects: readonly K8sObject[], name: string): Workload => {
  const w = workloads(objects).find((x) => x.object.metadata.name === name);
  if (!w) throw new Error(`no workload ${name}`);
  return w;
};

/** The SentraIP range: the ipBlock the broker's own policy opens. */
function sentraipCidr(objects: readonly K8sObject[]): string {
  const broker = policiesOf(objects).find((p) => p.name === 'sentraip-oauth-broker');
  const block = ((broker?.spec['egress'] as JsonObject[]) ?? [])
    .flatMap((r) => (r['to'] as JsonObject[]) ?? [])
    .find((peer) => peer['ipBlock']);
  if (!block) throw new Error('the broker policy opens no ipBlock for SentraIP');
  return String((block['ipBlock'] as JsonObject)['cidr']);
}

describe.each(OVERLAYS)('network policies, overlay %s', (overlay) => {
  const objects = () => rendered.get(overlay) ?? [];

  it('denies all ingress and egress by default', () => {
    const deny = policiesOf(objects()).find((p) => p.name === 'default-deny-all');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('lets only the gateway reach the sandbox, on its MCP port', () => {
    const { isolated, rules } = rulesFor(
      objects(),
      byName(objects(), 'sandbox-log-analysis'),
      'Ingress',
    );
    expect(isolated).toBe(true);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.peers, `${rule.policy}: a rule without "from" admits everyone`).toBeDefined();
      for (const peer of rule.peers ?? []) {
        expect(peer['namespaceSelector'], rule.policy).toBeUndefined();
        expect(peer['ipBlock'], rule.policy).toBeUndefined();
        expect(peer['podSelector'], rule.policy).toEqual({
          matchLabels: { 'app.kubernetes.io/name': 'gateway' },
        });
      }
      expect(rule.ports).toEqual([{ protocol: 'TCP', port: 8091 }]);
    }
  });

  it('gives the sandbox no egress at all (not even DNS)', () => {
    const { isolated, rules } = rulesFor(
      objects(),
      byName(objects(), 'sandbox-log-analysis'),
      'Egress',
    );
    expect(isolated).toBe(true);
    expect(rules).toEqual([]);
  });

  it('lets only the broker reach SentraIP', () => {
    const cidr = sentraipCidr(objects());
    for (const w of workloads(objects())) {
      const reaching = rulesFor(objects(), w, 'Egress').rules.filter(
        (r) =>
          r.peers === undefined ||
          r.peers.some(
            (peer) => peer['ipBlock'] && ipBlockReaches(peer['ipBlock'] as JsonObject, cidr),
          ),
      );
      if (w.object.metadata.name === 'sentraip-oauth-broker')
        expect(reaching.length, 'the broker reaches SentraIP').toBeGreaterThan(0);
      else
        expect(
          reaching.map((r) => r.policy),
          `${w.object.metadata.name} must not reach SentraIP ${cidr}`,
        ).toEqual([]);
    }
  });

  it('opens no policy that selects several apps to the outside world', () => {
    for (const p of policiesOf(objects())) {
      const external = ((p.spec['egress'] as JsonObject[] | undefined) ?? []).some((r) =>
        ((r['to'] as JsonObject[] | undefined) ?? []).some((peer) => peer['ipBlock']),
      );
      if (!external) continue;
      const selected = workloads(objects())
        .filter((w) => selects(p.spec['podSelector'] as JsonObject, w.labels))
        .map((w) => w.object.metadata.name);
      if (p.name === 'allow-redis-egress') continue; // managed Redis: its clients only, port 6379/6380
      expect(selected.length, `${p.name} selects ${selected.join(', ')}`).toBe(1);
    }
  });

  it('keeps the broker, the collector and Redis reachable by their callers only', () => {
    const onlyFrom = (name: string, callers: string[]) => {
      for (const rule of rulesFor(objects(), byName(objects(), name), 'Ingress').rules) {
        for (const peer of rule.peers ?? [{}]) {
          if (peer['namespaceSelector']) {
            expect(peer['namespaceSelector'], `${name}: ${rule.policy}`).toEqual({
              matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
            });
            continue;
          }
          const podSelector = peer['podSelector'] as JsonObject | undefined;
          expect(podSelector, `${name}: ${rule.policy} admits any source`).toBeDefined();
          const admitted = workloads(objects())
            .filter((w) => selects(podSelector, w.labels))
            .map((w) => w.object.metadata.name);
          expect(
            admitted.filter((a) => !callers.includes(a)),
            `${name}: ${rule.policy}`,
          ).toEqual([]);
        }
      }
    };
    onlyFrom('sentraip-oauth-broker', ['gateway']);
    onlyFrom('analytics-collector', ['gateway']);
    if (overlay === 'dev') {
      onlyFrom('redis', [
        'gateway',
        'claude-mcp-client',
        'sentraip-oauth-broker',
        'analytics-collector',
      ]);
      onlyFrom('sentraip-simulator', ['sentraip-oauth-broker']);
    }
  });
});
