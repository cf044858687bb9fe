import { describe, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { ApiKeyStore, sha256 } from '../security/api-keys.js';
import { parseProvisionedKeys, provisionKeys } from './provisioned-keys.js';

const KEY = `mcpgw_0123456789abcdef_${'A'.repeat(43)}`;

describe('provisioned API keys', () => {
  it('parses entries and names bad ones', () => {
    const hash = sha256(KEY);
    expect(parseProvisionedKeys(`claude-mcp-client:analyst+reader:${hash}`)).toEqual({
      keys: [{ clientId: 'claude-mcp-client', roles: ['analyst', 'reader'], sha256: hash }],
      problems: [],
    });
    expect(parseProvisionedKeys('nope').problems[0]).toContain('entry 1');
  });

  it('are verified like keys created through the admin API', async () => {
    const store = createStateStore({ keyPrefix: 'gw:' });
    await provisionKeys(store, parseProvisionedKeys(`chat:analyst:${sha256(KEY)}`).keys);
    const record = await new ApiKeyStore(store).verify(KEY);
    expect(record).toMatchObject({ clientId: 'chat', roles: ['analyst'], owner: 'chat' });
    expect(await new ApiKeyStore(store).verify(`mcpgw_0123456789abcdef_${'B'.repeat(43)}`)).toBeNull();
    await store.close();
  });
});
