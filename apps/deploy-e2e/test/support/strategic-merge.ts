/** A parsed YAML/JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Whether `value` is a plain object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The merge keys of the Kubernetes lists our patches touch (from the API's
 * `x-kubernetes-patch-merge-key`); any other list is replaced whole, as strategic merge does
 * for lists without a merge key.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

function mergeList(field: string, target: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  if (!key || !patch.every(isObject) || !target.every(isObject)) return structuredClone(patch);
  const merged = target.map((item) => structuredClone(item)) as JsonObject[];
  for (const item of patch as JsonObject[]) {
    const at = merged.findIndex((existing) => existing[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (at >= 0) merged.splice(at, 1);
    } else if (at >= 0) {
      merged[at] = strategicMerge(merged[at], item) as JsonObject;
    } else {
      merged.push(structuredClone(item));
    }
  }
  return merged;
}

/**
 * Kubernetes strategic merge of `patch` into `target` for the subset of the semantics kustomize
 * patches use here: maps merge recursively, `null` deletes a key, lists with a known merge key
 * merge element-wise (`$patch: delete` removes one), other lists and scalars are replaced.
 * Returns a new value; neither input is changed.
 */
export function strategicMerge(target: Json | undefined, patch: Json, field = ''): Json {
  if (isObject(target) && isObject(patch)) {
    const out: JsonObject = structuredClone(target);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = strategicMerge(out[key], value, key);
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch)) return mergeList(field, target, patch);
  return structuredClone(patch);
}
