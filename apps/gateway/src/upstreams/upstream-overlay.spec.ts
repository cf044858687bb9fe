import { describe, expect, it } from 'vitest';
import { validateUpstreamEntry } from '../gateway-config/load.js';
import { storedForm } from './upstream-overlay.js';

const configOf = (raw: unknown) => {
  const { value } = validateUpstreamEntry(raw, '__');
  if (!value) throw new Error('invalid test entry');
  return value;
};

describe('storedForm', () => {
  it('leaves serverRequests and maxDurationMs out while they hold their defaults, so a replica of the previous release can read the entry', () => {
    for (const timeoutMs of [undefined, 400_000]) {
      const config = configOf({ id: 'tickets', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp', timeoutMs });
      const stored = JSON.parse(JSON.stringify(storedForm({ id: 'tickets', config, at: 't', by: 'admin' }))) as { config: Record<string, unknown> };
      expect(stored.config).not.toHaveProperty('serverRequests');
      expect(stored.config).not.toHaveProperty('maxDurationMs');
      expect(configOf(stored.config)).toEqual(config);
    }
  });

  it('takes an entry read back from the store, where the field is already left out', () => {
    const stored = JSON.parse(JSON.stringify({ id: 'old', config: { id: 'old', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp' }, at: 't', by: 'admin' })) as Parameters<typeof storedForm>[0];
    expect(storedForm(stored)).toEqual(stored);
    expect(storedForm({ id: 'gone', removed: true, at: 't', by: 'admin' })).toEqual({ id: 'gone', removed: true, at: 't', by: 'admin' });
  });

  it('keeps serverRequests when it allows something, and maxDurationMs when it is not the default', () => {
    const config = configOf({ id: 'asks', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp', serverRequests: ['sampling'], maxDurationMs: 60_000 });
    const stored = JSON.parse(JSON.stringify(storedForm({ id: 'asks', config, at: 't', by: 'admin' }))) as { config: Record<string, unknown> };
    expect(stored.config).toMatchObject({ serverRequests: ['sampling'], maxDurationMs: 60_000 });
    expect(configOf(stored.config)).toEqual(config);
  });
});
