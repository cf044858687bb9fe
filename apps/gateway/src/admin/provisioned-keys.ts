import type { StateStore } from '@mcpgw/state';
import type { ApiKeyRecord } from '../security/api-keys.js';

/** One key handed to the gateway by its deployment, by hash only. */
export interface ProvisionedKey {
  readonly clientId: string;
  readonly roles: readonly string[];
  readonly sha256: string;
}

const ENTRY = /^([A-Za-z0-9_.:-]{1,128}):([A-Za-z0-9_.:+-]{0,512}):([a-f0-9]{64})$/;

/**
 * Parses `GATEWAY_PROVISIONED_KEYS`: comma-separated `<client_id>:<role>+<role>:<sha256 hex>`.
 * Only hashes travel, so the deployment (or `npm start`) can give a service its key without the
 * gateway ever seeing the plaintext. Returns the problems instead of throwing, for the config error.
 */
export function parseProvisionedKeys(raw: string | undefined): { keys: ProvisionedKey[]; problems: string[] } {
  if (!raw) return { keys: [], problems: [] };
  const keys: ProvisionedKey[] = [];
  const problems: string[] = [];
  raw.split(',').map((e) => e.trim()).filter(Boolean).forEach((entry, i) => {
    const match = ENTRY.exec(entry);
    if (!match) {
      problems.push(`GATEWAY_PROVISIONED_KEYS entry ${i + 1} must be <client_id>:<role>+<role>:<64 hex sha256>`);
      return;
    }
    keys.push({ clientId: match[1] ?? '', roles: (match[2] ?? '').split('+').filter(Boolean), sha256: match[3] ?? '' });
  });
  return { keys, problems };
}

/** Writes the provisioned keys where API key verification looks them up (same layout as the admin API's keys). */
export async function provisionKeys(store: StateStore, keys: readonly ProvisionedKey[]): Promise<void> {
  for (const key of keys) {
    const id = `prov-${key.sha256.slice(0, 16)}`;
    const record: ApiKeyRecord = {
      id,
      hash: key.sha256,
      owner: key.clientId,
      clientId: key.clientId,
      roles: [...key.roles],
      createdAt: new Date().toISOString(),
    };
    await store.set(`apikey:${key.sha256}`, JSON.stringify(record));
    await store.set(`apikey:id:${id}`, key.sha256);
  }
}
