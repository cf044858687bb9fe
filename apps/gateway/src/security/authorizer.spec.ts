import { BlockList } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientPolicyConfig } from '../gateway-config/schema.js';
import { Authorizer } from './authorizer.js';

const networkClient = (id: string, cidr: string): ClientPolicyConfig => ({
  id,
  allowedTools: [],
  allowedResources: [],
  toolRateLimits: {},
  quotas: {},
  allowedOrigins: [],
  allowedCidrs: [cidr],
  requireAuth: false,
  roles: ['reader'],
});

describe('Authorizer.networkPrincipalOf', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('asks each network client once per address, and remembers the answer in one place', () => {
    const clients = Array.from({ length: 20 }, (_, i) => networkClient(`net${i}`, `10.${i}.0.0/16`));
    const authorizer = new Authorizer({ toolSets: {}, clients });
    const check = vi.spyOn(BlockList.prototype, 'check');

    expect(authorizer.networkPrincipalOf('192.0.2.1')).toBeUndefined();
    expect(check).toHaveBeenCalledTimes(20);
    expect(authorizer.networkPrincipalOf('192.0.2.1')).toBeUndefined();
    expect(authorizer.networkPrincipalOf('10.19.3.4')?.clientId).toBe('net19');
    expect(check).toHaveBeenCalledTimes(40);
    expect(authorizer.networkPrincipalOf('10.19.3.4')?.clientId).toBe('net19');
    expect(check).toHaveBeenCalledTimes(40);
  });

  it("does not fill the clients' own lists with the addresses it was asked about", () => {
    const authorizer = new Authorizer({ toolSets: {}, clients: [networkClient('batch', '10.1.0.0/16')] });
    const principal = authorizer.networkPrincipalOf('10.1.0.1');
    expect(principal?.clientId).toBe('batch');
    const check = vi.spyOn(BlockList.prototype, 'check');
    // The source-range check of that client asks its list every time: nothing was remembered there.
    if (!principal) throw new Error('no principal');
    authorizer.checkRequest(principal, '10.1.0.1', undefined);
    authorizer.checkRequest(principal, '10.1.0.1', undefined);
    expect(check).toHaveBeenCalledTimes(2);
    expect(() => authorizer.checkRequest(principal, '10.2.0.1', undefined)).toThrow(/may not connect from this address/);
  });

  it('forgets remembered answers when the rules are replaced', () => {
    const authorizer = new Authorizer({ toolSets: {}, clients: [networkClient('a', '10.1.0.0/16')] });
    expect(authorizer.networkPrincipalOf('10.1.0.1')?.clientId).toBe('a');
    authorizer.replace({ toolSets: {}, clients: [networkClient('b', '10.2.0.0/16')] });
    expect(authorizer.networkPrincipalOf('10.1.0.1')).toBeUndefined();
    expect(authorizer.networkPrincipalOf('10.2.0.1')?.clientId).toBe('b');
  });
});
