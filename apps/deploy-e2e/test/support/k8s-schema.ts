import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureCachedPackages, type CacheResult } from '@mcpgw/testing';
import type { K8sObject } from './kustomize.js';
import { ROOT } from './repo.js';

/** kubernetes-models: classes generated from the Kubernetes OpenAPI schemas, each with validate(). */
export const VALIDATOR_PACKAGE = { 'kubernetes-models': '5.1.0' } as const;
const CACHE = join(ROOT, 'apps/deploy-e2e/.cache/k8s-models');

/** Installs the validator into the git-ignored cache (once; later runs reuse it). */
export function installValidator(): Promise<CacheResult> {
  return ensureCachedPackages(CACHE, VALIDATOR_PACKAGE, 120_000);
}

type Model = new (data: unknown) => { validate(): void };

/** The module file of a kind: core `v1` → `v1/Kind.js`, `apps/v1` → `apps/v1/Kind.js`. */
function modelFile(apiVersion: string, kind: string): string {
  return join(CACHE, 'node_modules/kubernetes-models', ...apiVersion.split('/'), `${kind}.js`);
}

/**
 * Validates one object against the OpenAPI schema of its apiVersion and kind; returns the
 * validator's message, or undefined when valid. An unknown apiVersion/kind is a problem too.
 */
export async function validateObject(object: K8sObject): Promise<string | undefined> {
  const file = modelFile(object.apiVersion, object.kind);
  if (!existsSync(file)) return `no OpenAPI schema for ${object.apiVersion} ${object.kind}`;
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const ModelClass = module[object.kind] as Model | undefined;
  if (typeof ModelClass !== 'function')
    return `kubernetes-models has no ${object.kind} class in ${object.apiVersion}`;
  try {
    new ModelClass(object).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
