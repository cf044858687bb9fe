import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDotEnv } from './compose.js';
import { renderKustomization, type K8sObject } from './kustomize.js';
import { ROOT, runInRoot } from './repo.js';

export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export const overlayDir = (overlay: Overlay) => join(ROOT, 'deploy/k8s/overlays', overlay);

/** The keys of an overlay's committed `secrets.env.example`. */
export function exampleSecrets(overlay: Overlay): Record<string, string> {
  return parseDotEnv(readFileSync(join(overlayDir(overlay), 'secrets.env.example'), 'utf8'));
}

/** Fresh secrets from deploy/scripts/generate-secrets.mjs (the dev overlay's documented source). */
export async function generatedSecrets(
  target: 'compose' | 'k8s-dev',
): Promise<Record<string, string>> {
  return parseDotEnv(
    await runInRoot(process.execPath, ['deploy/scripts/generate-secrets.mjs', '--target', target]),
  );
}

/**
 * Renders an overlay with valid stand-ins for its git-ignored secrets.env: the generator's
 * values for the keys of the committed example, a managed-Redis URL for prod.
 */
export async function renderOverlay(overlay: Overlay): Promise<K8sObject[]> {
  const generated = await generatedSecrets('k8s-dev');
  const values: Record<string, string> = { ...generated, CLAUDE_API_KEY: '' };
  if (overlay === 'prod')
    values['REDIS_URL'] = 'rediss://default:stand-in-password@redis.example.internal:6380/0';
  return renderKustomization(overlayDir(overlay), {
    readMissingEnvFile: (path) => {
      if (basename(path) !== 'secrets.env') throw new Error(`unexpected env file ${path}`);
      const keys = Object.keys(
        parseDotEnv(readFileSync(join(dirname(path), 'secrets.env.example'), 'utf8')),
      );
      return keys.map((k) => `${k}=${values[k] ?? ''}`).join('\n');
    },
  });
}
