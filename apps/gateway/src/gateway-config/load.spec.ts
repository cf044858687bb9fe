import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, loadGatewayConfig, validateGatewayConfig, validateUpstreamEntry } from './load.js';

function problems(raw: unknown): readonly string[] {
  try {
    validateGatewayConfig(raw);
  } catch (err) {
    if (err instanceof GatewayConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('gateway config file', () => {
  it('applies defaults for an empty file', () => {
    expect(validateGatewayConfig({})).toMatchObject({ namespaceSeparator: '__', upstreams: [], pageSize: 100 });
  });

  it('accepts each upstream transport with its own fields', () => {
    const config = validateGatewayConfig({
      upstreams: [
        { id: 'http-one', transport: 'streamable-http', url: 'http://127.0.0.1:9000/mcp' },
        { id: 'sse-one', transport: 'sse', url: 'http://127.0.0.1:9001/sse' },
        { id: 'logs', transport: 'stdio', command: 'node', args: ['server.js'], env: { LOG_DIR: '/data' }, nodePermissions: { allowFsRead: ['/data'] } },
      ],
    });
    expect(config.upstreams.map((u) => u.timeoutMs)).toEqual([30_000, 30_000, 30_000]);
    expect(config.upstreams[2]?.env).toEqual({ LOG_DIR: '/data' });
  });

  it('lets only a streamable-http upstream send server requests, of the known kinds, none by default', () => {
    const config = validateGatewayConfig({
      upstreams: [
        { id: 'asks', transport: 'streamable-http', url: 'http://127.0.0.1:9000/mcp', serverRequests: ['sampling', 'elicitation'] },
        { id: 'quiet', transport: 'streamable-http', url: 'http://127.0.0.1:9000/mcp' },
      ],
    });
    expect(config.upstreams.map((u) => u.serverRequests)).toEqual([['sampling', 'elicitation'], []]);
    expect(problems({ upstreams: [{ id: 'logs', transport: 'stdio', command: 'node', serverRequests: ['sampling'] }] })).toEqual([
      'upstreams.0.serverRequests: is only relayed for streamable-http upstreams',
    ]);
    expect(problems({ upstreams: [{ id: 'x', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp', serverRequests: ['roots'] }] })).toEqual([
      expect.stringMatching(/^upstreams\.0\.serverRequests\.0: /),
    ]);
  });

  it('names every problem by its path', () => {
    const found = problems({
      namespaceSeparator: '/',
      upstreams: [
        { id: 'Bad Id', transport: 'stdio' },
        { id: 'web', transport: 'streamable-http', url: 'ftp://x', command: 'node' },
        { id: 'web', transport: 'carrier-pigeon' },
      ],
    });
    expect(found.some((p) => p.startsWith('namespaceSeparator'))).toBe(true);
    expect(found.some((p) => p.startsWith('upstreams.0.id'))).toBe(true);
    expect(found.some((p) => p.startsWith('upstreams.0.command'))).toBe(true);
    expect(found.some((p) => p.startsWith('upstreams.1.url'))).toBe(true);
    expect(found.some((p) => p.startsWith('upstreams.1.command'))).toBe(true);
    expect(found.some((p) => p.includes('upstreams.2') && /transport|repeats/.test(p))).toBe(true);
  });

  it('refuses an upstream id that contains the namespace separator', () => {
    expect(problems({ namespaceSeparator: '-', upstreams: [{ id: 'log-store', transport: 'sse', url: 'http://127.0.0.1:1/sse' }] })[0]).toContain(
      'contains the namespace separator',
    );
  });

  it('reports unreadable files and invalid YAML without a stack', async () => {
    await expect(loadGatewayConfig('/nonexistent/gateway.yaml')).rejects.toThrow(/cannot read the file \(ENOENT\)/);
    const dir = mkdtempSync(path.join(tmpdir(), 'gwcfg-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'upstreams: [unclosed');
    await expect(loadGatewayConfig(file)).rejects.toThrow(/not valid YAML/);
  });
});

describe('problems never carry values', () => {
  it('names a field that fails a pattern without quoting what was given', () => {
    const found = problems({ clients: [{ id: 'secret value with spaces' }], auth: { anonymous: { roles: ['sk-live secret'] } } });
    expect(found).toEqual(expect.arrayContaining(['clients.0.id: fails to match the required pattern', 'auth.anonymous.roles.0: fails to match the required pattern']));
    expect(found.join('\n')).not.toContain('secret');
  });
});

describe('clients identified by network address (requireAuth: false)', () => {
  const networkClient = (id: string, allowedCidrs: string[], extra: object = {}) => ({ id, requireAuth: false, allowedCidrs, ...extra });

  it('defaults: requireAuth true, no roles', () => {
    expect(validateGatewayConfig({ clients: [{ id: 'c' }] }).clients[0]).toMatchObject({ requireAuth: true, roles: [] });
  });

  it('accepts disjoint network clients with roles, IPv4 and IPv6', () => {
    const config = validateGatewayConfig({
      clients: [
        networkClient('batch', ['10.1.0.0/16', '2001:db8:1::/48'], { roles: ['reader'] }),
        networkClient('cron', ['10.2.0.0/16', '192.0.2.7', '2001:db8:2::/48']),
        { id: 'keyed', allowedCidrs: ['10.1.0.0/16'] },
      ],
    });
    expect(config.clients.map((c) => [c.id, c.requireAuth, c.roles])).toEqual([
      ['batch', false, ['reader']],
      ['cron', false, []],
      ['keyed', true, []],
    ]);
  });

  it('requires allowedCidrs when requireAuth is false', () => {
    expect(problems({ clients: [{ id: 'open', requireAuth: false }] })).toEqual(['clients.0.allowedCidrs: must list the source addresses when requireAuth is false']);
    expect(problems({ clients: [networkClient('open', [])] })).toEqual(['clients.0.allowedCidrs: must list the source addresses when requireAuth is false']);
  });

  it('refuses overlapping CIDRs between two network clients, naming both entries', () => {
    expect(problems({ clients: [networkClient('a', ['10.0.0.0/8']), networkClient('b', ['192.0.2.0/24', '10.20.30.40/32'])] })).toEqual([
      'clients.1.allowedCidrs.1: overlaps clients.0.allowedCidrs.0; two requireAuth: false clients may not share an address',
    ]);
    // Either containment direction, unmasked prefixes, and the IPv4-mapped IPv6 spelling of the same range.
    expect(problems({ clients: [networkClient('a', ['10.0.0.9/30']), networkClient('b', ['10.0.0.200/24'])] })).toHaveLength(1);
    expect(problems({ clients: [networkClient('a', ['::ffff:10.0.0.0/104']), networkClient('b', ['10.9.9.9'])] })).toHaveLength(1);
    expect(problems({ clients: [networkClient('a', ['2001:db8::/32']), networkClient('b', ['2001:db8:ffff::1'])] })).toHaveLength(1);
  });

  it('allows the same CIDRs on a requireAuth: true client (its callers bring credentials)', () => {
    expect(problems({ clients: [networkClient('a', ['10.0.0.0/8']), { id: 'b', allowedCidrs: ['10.0.0.0/8'] }] })).toEqual([]);
  });

  it('refuses admin roles, roles on keyed clients and unparsable CIDRs', () => {
    expect(
      problems({
        clients: [
          networkClient('a', ['10.0.0.0/8'], { roles: ['reader', 'admin'] }),
          { id: 'b', roles: ['reader'] },
          networkClient('c', ['999.1.1.1/8', '10.0.0.0/33', 'fe80::/129', '1:2']),
        ],
      }),
    ).toEqual([
      'clients.0.roles: a client identified by its network address is never an admin',
      'clients.1.roles: only a client with requireAuth: false has roles of its own (key and token holders bring theirs)',
      'clients.2.allowedCidrs.0: not a valid IP address or CIDR prefix',
      'clients.2.allowedCidrs.1: not a valid IP address or CIDR prefix',
      'clients.2.allowedCidrs.2: not a valid IP address or CIDR prefix',
      'clients.2.allowedCidrs.3: not a valid IP address or CIDR prefix',
    ]);
  });

  it('refuses unparsable addresses in the IP gate lists, naming each', () => {
    expect(
      problems({ ipGate: { trustedProxies: ['10.0.0.0/8', '10.0.0.0/40'], allow: ['::1', '1.2.3'], deny: ['256.0.0.1'] } }),
    ).toEqual([
      'ipGate.trustedProxies.1: not a valid IP address or CIDR prefix',
      'ipGate.allow.1: not a valid IP address or CIDR prefix',
      'ipGate.deny.0: not a valid IP address or CIDR prefix',
    ]);
    expect(problems({ ipGate: { trustedProxies: ['10.0.0.0/8', 'fd00::/8'], allow: ['::ffff:192.0.2.1'], deny: ['192.0.2.0/24'] } })).toEqual([]);
  });
});

describe('one upstream entry (admin API)', () => {
  it('is validated like an item of upstreams:, defaults included', () => {
    const { value, problems: found } = validateUpstreamEntry({ id: 'extra', transport: 'sse', url: 'http://127.0.0.1:1/sse' }, '__');
    expect(found).toEqual([]);
    expect(value).toMatchObject({ id: 'extra', headers: {}, timeoutMs: 30_000, maxDurationMs: 300_000, breaker: { volumeThreshold: 5 } });
  });

  it('takes maxDurationMs of at least timeoutMs, defaulting to 5 min or timeoutMs if longer', () => {
    const entry = (fields: Record<string, unknown>) => validateUpstreamEntry({ id: 'x', transport: 'sse', url: 'http://127.0.0.1:1/sse', ...fields }, '__');
    expect(entry({ timeoutMs: 400_000 }).value?.maxDurationMs).toBe(400_000);
    expect(entry({ timeoutMs: 1_000, maxDurationMs: 1_000 }).value?.maxDurationMs).toBe(1_000);
    expect(entry({ timeoutMs: 5_000, maxDurationMs: 1_000 }).problems).toEqual([{ field: 'maxDurationMs', message: "must be at least the upstream's timeoutMs" }]);
    // an invalid timeoutMs is reported once, not again through maxDurationMs
    expect(entry({ timeoutMs: 'soon', maxDurationMs: 1_000 }).problems).toEqual([{ field: 'timeoutMs', message: 'must be a number' }]);
  });

  it('names every problem, and refuses an id containing the separator', () => {
    expect(validateUpstreamEntry({ transport: 'stdio', url: 'http://x' }, '__').problems).toEqual([
      { field: 'id', message: 'is required' },
      { field: 'url', message: 'is not allowed' },
      { field: 'command', message: 'is required' },
    ]);
    expect(validateUpstreamEntry({ id: 'a-b', transport: 'stdio', command: 'node' }, '-').problems).toEqual([
      { field: 'id', message: '"a-b" contains the namespace separator "-"' },
    ]);
  });
});

describe('shipped gateway configs', () => {
  it.each(['gateway.dev.yaml', 'gateway.example.yaml'])('%s is valid', async (name) => {
    const file = new URL(`../../config/${name}`, import.meta.url).pathname;
    const config = await loadGatewayConfig(file);
    expect(config.upstreams.length).toBeGreaterThan(0);
  });
});
