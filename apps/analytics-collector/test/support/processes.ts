import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceProcess, type ServiceProcess } from '@mcpgw/testing';
import { GATEWAY_TOKEN, SERVICE_TOKEN } from './client.js';

/** The collector app folder, for `startServiceProcess`. */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** The environment of a collector process for tests. */
export function collectorEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    COLLECTOR_SERVICE_TOKEN: SERVICE_TOKEN,
    GATEWAY_SERVICE_TOKEN: GATEWAY_TOKEN,
    ...extra,
  };
}

/** Starts a real collector process (`src/main.ts` under tsx). */
export function startCollectorProcess(extra: Record<string, string>): Promise<ServiceProcess> {
  return startServiceProcess({ appDir: APP_DIR, env: collectorEnv(extra), timeoutMs: 45_000 });
}

/** A temporary directory for a rules file, removed by `cleanup`. */
export async function rulesDir(): Promise<{
  file: string;
  write(text: string): Promise<void>;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'anl-rules-'));
  const file = join(dir, 'rules.yaml');
  return {
    file,
    write: (text) => writeFile(file, text, 'utf8'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
