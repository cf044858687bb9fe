import type { K8sObject } from './kustomize.js';
import { isObject, type JsonObject } from './strategic-merge.js';

/** A workload with a pod template (Deployment, StatefulSet). */
export interface Workload {
  readonly object: K8sObject;
  readonly labels: Record<string, string>;
  readonly pod: JsonObject;
  readonly containers: JsonObject[];
}

/** Every Deployment and StatefulSet with its pod template. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((object) => {
      const template = (object['spec'] as JsonObject)['template'] as JsonObject;
      const pod = template['spec'] as JsonObject;
      const labels = ((template['metadata'] as JsonObject | undefined)?.['labels'] ?? {}) as Record<
        string,
        string
      >;
      return {
        object,
        labels,
        pod,
        containers: [
          ...((pod['containers'] as JsonObject[]) ?? []),
          ...((pod['initContainers'] as JsonObject[]) ?? []),
        ],
      };
    });
}

/** The object of a kind and name (names of generated objects match with their hash suffix). */
export function find(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): K8sObject | undefined {
  return objects.find(
    (o) =>
      o.kind === kind &&
      (o.metadata.name === name || new RegExp(`^${name}-[0-9a-f]{10}$`).test(o.metadata.name)),
  );
}

/**
 * The environment a container sees: envFrom ConfigMaps/Secrets, then `env` entries (values,
 * configMapKeyRef, secretKeyRef). A reference to a missing object or key is reported, unless
 * marked optional.
 */
export function containerEnv(
  container: JsonObject,
  objects: readonly K8sObject[],
): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const dataOf = (
    kind: 'ConfigMap' | 'Secret',
    name: string,
  ): Record<string, string> | undefined => {
    const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!object) return undefined;
    const data = (object['data'] ?? {}) as Record<string, string>;
    return kind === 'Secret'
      ? Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
        )
      : data;
  };
  for (const from of (container['envFrom'] as JsonObject[] | undefined) ?? []) {
    const [kind, ref] = isObject(from['configMapRef'])
      ? (['ConfigMap', from['configMapRef']] as const)
      : (['Secret', from['secretRef'] as JsonObject] as const);
    const data = dataOf(kind, String(ref['name']));
    if (data) Object.assign(env, data);
    else if (ref['optional'] !== true)
      problems.push(`envFrom ${kind} ${String(ref['name'])} does not exist`);
  }
  for (const entry of (container['env'] as JsonObject[] | undefined) ?? []) {
    const name = String(entry['name']);
    if (typeof entry['value'] === 'string') {
      env[name] = entry['value'];
      continue;
    }
    const valueFrom = entry['valueFrom'];
    if (!isObject(valueFrom)) continue;
    const [kind, ref] = isObject(valueFrom['secretKeyRef'])
      ? (['Secret', valueFrom['secretKeyRef']] as const)
      : isObject(valueFrom['configMapKeyRef'])
        ? (['ConfigMap', valueFrom['configMapKeyRef']] as const)
        : [undefined, undefined];
    if (!kind || !ref) continue;
    const value = dataOf(kind, String(ref['name']))?.[String(ref['key'])];
    if (value !== undefined) env[name] = value;
    else if (ref['optional'] !== true)
      problems.push(`${name}: ${kind} ${String(ref['name'])} has no key ${String(ref['key'])}`);
  }
  return { env, problems };
}

/** Whether a label selector (matchLabels and matchExpressions In/NotIn/Exists) selects `labels`. */
export function selects(selector: JsonObject | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const matchLabels = (selector['matchLabels'] ?? {}) as Record<string, string>;
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return ((selector['matchExpressions'] as JsonObject[] | undefined) ?? []).every((e) => {
    const value = labels[String(e['key'])];
    const values = (e['values'] as string[] | undefined) ?? [];
    switch (e['operator']) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

function ipv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${address}`);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

/** An IPv4 CIDR as its first address and size. */
export function cidrRange(cidr: string): { start: number; size: number } {
  const [address, bits = '32'] = cidr.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  return { start: Math.floor(ipv4(address as string) / size) * size, size };
}

/** Whether CIDR `outer` contains every address of CIDR `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = cidrRange(outer);
  const i = cidrRange(inner);
  return i.start >= o.start && i.start + i.size <= o.start + o.size;
}

/** Whether an ipBlock (cidr minus except) reaches any address of `target`. */
export function ipBlockReaches(block: JsonObject, target: string): boolean {
  const cidr = String(block['cidr']);
  const t = cidrRange(target);
  const c = cidrRange(cidr);
  const overlaps = t.start < c.start + c.size && c.start < t.start + t.size;
  if (!overlaps) return false;
  return !((block['except'] as string[] | undefined) ?? []).some((except) =>
    cidrContains(except, target),
  );
}
