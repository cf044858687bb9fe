import { describe, expect, it } from 'vitest';
import { validateUpstreamEntry } from '../gateway-config/load.js';
import { storedForm } from './upstream-overlay.js';

const configOf = (raw: unknown) => {
  const { value } = validateUpstreamEntry(raw, '__');
  if (!value) throw new Error('invalid test entry');
  return value;
};

describe('storedForm', () => {
  it('leaves serverRequests out while it holds its default, so a replica of the previous release can read the entry', () => {
    const config = configOf({ id: 'tickets', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp' });
    const stored = JSON.parse(JSON.stringify(storedForm({ id: 'tickets', config, at: 't', by: 'admin' }))) as { config: Record<string, unknown> };
    expect(stored.config).not.toHaveProperty('serverRequests');
    expect(configOf(stored.config)).toEqual(config);
  });

  it('keeps serverRequests when it allows something', () => {
    const config = configOf({ id: 'asks', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp', serverRequests: ['sampling'] });
    expect(storedForm({ id: 'asks', config, at: 't', by: 'admin' }).config?.serverRequests).toEqual(['sampling']);
  });
});
