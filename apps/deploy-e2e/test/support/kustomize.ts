import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { isObject, strategicMerge, type Json, type JsonObject } from './strategic-merge.js';

/** A kustomization uses something this renderer does not implement, or is inconsistent. */
export class KustomizeError extends Error {
  readonly code = 'KUSTOMIZE_UNSUPPORTED';
}

/** One rendered Kubernetes object. */
export type K8sObject = JsonObject & {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
};

export interface RenderOptions {
  /**
   * Reads a generator's env file that does not exist (a git-ignored secrets.env): the renderer
   * asks for it instead of failing, so tests can supply the committed `.example` keys.
   */
  readMissingEnvFile?: (path: string) => string;
}

// Everything else (labels transformers, components, replacements, JSON6902 patches, Helm...)
// is refused, so a kustomization that grows beyond this renderer fails loudly, not silently.
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'patches',
  'images',
  'replicas',
  'configMapGenerator',
  'secretGenerator',
]);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
]);

function readYamlObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new KustomizeError(`${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
      return doc.toJSON() as unknown;
    })
    .filter((obj): obj is K8sObject => isObject(obj))
    .map((obj) => {
      if (
        typeof obj['kind'] !== 'string' ||
        !isObject(obj['metadata']) ||
        typeof obj['metadata']['name'] !== 'string'
      ) {
        throw new KustomizeError(`${file}: a document without kind or metadata.name`);
      }
      return obj;
    });
}

function parseEnvText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new KustomizeError(`env line without KEY=value: ${trimmed.slice(0, 40)}`);
    out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}

function generatorData(
  dir: string,
  spec: JsonObject,
  options: RenderOptions,
): Record<string, string> {
  const data: Record<string, string> = {};
  for (const entry of (spec['files'] as string[] | undefined) ?? []) {
    const [key, path] = entry.includes('=')
      ? entry.split('=', 2)
      : [entry.split('/').pop() ?? entry, entry];
    data[key as string] = readFileSync(join(dir, path as string), 'utf8');
  }
  for (const entry of (spec['literals'] as string[] | undefined) ?? []) {
    const eq = entry.indexOf('=');
    data[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  for (const file of (spec['envs'] as string[] | undefined) ?? []) {
    const path = join(dir, file);
    if (existsSync(path)) Object.assign(data, parseEnvText(readFileSync(path, 'utf8')));
    else if (options.readMissingEnvFile)
      Object.assign(data, parseEnvText(options.readMissingEnvFile(path)));
    else throw new KustomizeError(`${path} does not exist`);
  }
  return data;
}

function generate(
  dir: string,
  spec: JsonObject,
  kind: 'ConfigMap' | 'Secret',
  options: RenderOptions,
): K8sObject {
  const name = spec['name'];
  if (typeof name !== 'string')
    throw new KustomizeError(`${dir}: a ${kind} generator without a name`);
  const data = generatorData(dir, spec, options);
  if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata: { name }, data };
  return {
    apiVersion: 'v1',
    kind,
    type: typeof spec['type'] === 'string' ? spec['type'] : 'Opaque',
    metadata: { name },
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  };
}

function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

function applyPatches(dir: string, objects: K8sObject[], patches: JsonObject[]): void {
  for (const patchSpec of patches) {
    if (
      typeof patchSpec['path'] !== 'string' ||
      patchSpec['target'] !== undefined ||
      patchSpec['patch'] !== undefined
    ) {
      throw new KustomizeError(`${dir}: only strategic-merge patches by path are supported`);
    }
    for (const patch of readYamlObjects(join(dir, patchSpec['path']))) {
      const at = objects.findIndex(
        (o) =>
          o.kind === patch.kind &&
          o.metadata.name === patch.metadata.name &&
          apiGroup(o.apiVersion) === apiGroup(patch.apiVersion),
      );
      if (at < 0)
        throw new KustomizeError(
          `${patchSpec['path']}: no ${patch.kind} ${patch.metadata.name} to patch`,
        );
      objects[at] = strategicMerge(objects[at], patch) as K8sObject;
    }
  }
}

function podSpecs(object: K8sObject): JsonObject[] {
  const template = isObject(object['spec']) ? object['spec']['template'] : undefined;
  return isObject(template) && isObject(template['spec']) ? [template['spec']] : [];
}

function applyImages(objects: K8sObject[], images: JsonObject[]): void {
  for (const spec of objects.flatMap(podSpecs)) {
    for (const container of [
      ...((spec['containers'] as JsonObject[]) ?? []),
      ...((spec['initContainers'] as JsonObject[]) ?? []),
    ]) {
      const image = String(container['image']);
      const [name, tag] = image.includes('@') ? [image.split('@')[0], undefined] : splitTag(image);
      const rule = images.find((i) => i['name'] === name);
      if (!rule) continue;
      const newName = typeof rule['newName'] === 'string' ? rule['newName'] : name;
      const newTag = typeof rule['newTag'] === 'string' ? rule['newTag'] : tag;
      container['image'] = newTag ? `${newName}:${newTag}` : String(newName);
    }
  }
}

function splitTag(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/** Rewrites references to generated ConfigMaps/Secrets in pod specs to their hashed names. */
function rewriteReferences(objects: K8sObject[], renamed: Map<string, string>): void {
  const rename = (kind: string, holder: JsonObject, field: string) => {
    const to = renamed.get(`${kind}/${String(holder[field])}`);
    if (to) holder[field] = to;
  };
  for (const spec of objects.flatMap(podSpecs)) {
    for (const volume of (spec['volumes'] as JsonObject[] | undefined) ?? []) {
      if (isObject(volume['configMap'])) rename('ConfigMap', volume['configMap'], 'name');
      if (isObject(volume['secret'])) rename('Secret', volume['secret'], 'secretName');
    }
    for (const container of [
      ...((spec['containers'] as JsonObject[]) ?? []),
      ...((spec['initContainers'] as JsonObject[]) ?? []),
    ]) {
      for (const from of (container['envFrom'] as JsonObject[] | undefined) ?? []) {
        if (isObject(from['configMapRef'])) rename('ConfigMap', from['configMapRef'], 'name');
        if (isObject(from['secretRef'])) rename('Secret', from['secretRef'], 'name');
      }
      for (const env of (container['env'] as JsonObject[] | undefined) ?? []) {
        const valueFrom = env['valueFrom'];
        if (!isObject(valueFrom)) continue;
        if (isObject(valueFrom['configMapKeyRef']))
          rename('ConfigMap', valueFrom['configMapKeyRef'], 'name');
        if (isObject(valueFrom['secretKeyRef']))
          rename('Secret', valueFrom['secretKeyRef'], 'name');
      }
    }
  }
}

function build(dir: string, options: RenderOptions, generated: Set<string>): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new KustomizeError(`${dir} has no kustomization.yaml`);
  const k: unknown = parse(readFileSync(file, 'utf8'));
  if (!isObject(k)) throw new KustomizeError(`${file} is not a YAML map`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0)
    throw new KustomizeError(`${file}: unsupported fields ${unsupported.join(', ')}`);

  const objects: K8sObject[] = [];
  for (const entry of (k['resources'] as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...build(path, options, generated));
    else objects.push(...readYamlObjects(path));
  }
  for (const [key, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    for (const spec of (k[key] as JsonObject[] | undefined) ?? []) {
      const object = generate(dir, spec, kind, options);
      generated.add(`${kind}/${object.metadata.name}`);
      objects.push(object);
    }
  }
  applyPatches(dir, objects, (k['patches'] as JsonObject[] | undefined) ?? []);
  applyImages(objects, (k['images'] as JsonObject[] | undefined) ?? []);
  for (const r of (k['replicas'] as JsonObject[] | undefined) ?? []) {
    const target = objects.find(
      (o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.metadata.name === r['name'],
    );
    if (!target || !isObject(target['spec']))
      throw new KustomizeError(`${file}: replicas for unknown workload ${String(r['name'])}`);
    target['spec']['replicas'] = r['count'] as Json;
  }
  if (typeof k['namespace'] === 'string') {
    for (const o of objects) {
      if (CLUSTER_SCOPED.has(o.kind)) {
        if (o.kind === 'Namespace' && o.metadata.name !== k['namespace']) {
          throw new KustomizeError(
            `${file}: Namespace ${o.metadata.name} differs from namespace ${k['namespace']}`,
          );
        }
      } else {
        o.metadata.namespace = k['namespace'];
      }
    }
  }
  return objects;
}

/**
 * Renders a kustomization directory the way `kustomize build` does for the features listed in
 * SUPPORTED: resources (files and nested kustomizations), strategic-merge patches by path,
 * images, replicas, namespace, ConfigMap/Secret generators with content-hash name suffixes and
 * the references to them rewritten.
 */
export function renderKustomization(dir: string, options: RenderOptions = {}): K8sObject[] {
  // Generated objects by kind/name before hashing: patches and references use those names.
  const generated = new Set<string>();
  const objects = build(resolve(dir), options, generated);
  const renamed = new Map<string, string>();
  for (const o of objects) {
    if (!generated.has(`${o.kind}/${o.metadata.name}`)) continue;
    const hash = createHash('sha256')
      .update(JSON.stringify({ kind: o.kind, name: o.metadata.name, data: o['data'] ?? {} }))
      .digest('hex')
      .slice(0, 10);
    const name = `${o.metadata.name}-${hash}`;
    renamed.set(`${o.kind}/${o.metadata.name}`, name);
    o.metadata.name = name;
  }
  rewriteReferences(objects, renamed);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${String(o.metadata.namespace ?? '')}/${o.metadata.name}`;
    if (seen.has(id)) throw new KustomizeError(`duplicate object ${id}`);
    seen.add(id);
  }
  return objects;
}
