import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@mcpgw/telemetry';
import { validateGatewayConfig } from '../gateway-config/load.js';
import type { UpstreamConfig } from '../gateway-config/schema.js';
import { UpstreamRegistry } from './upstream-registry.js';

/** Two stdio upstreams under a bound of one process; nothing is started (admission only). */
function registryOfTwo() {
  const file = validateGatewayConfig({
    maxStdioProcesses: 1,
    upstreams: [
      { id: 'first', transport: 'stdio', command: 'node', args: ['first.js'], timeoutMs: 60_000 },
      { id: 'second', transport: 'stdio', command: 'node', args: ['second.js'], timeoutMs: 60_000 },
    ],
  });
  const registry = new UpstreamRegistry(file, {
    logger: createLogger({ service: 'test', level: 'error' }),
    registry: new Registry(),
    clientVersion: '0.0.0',
    onListChanged: () => undefined,
  });
  const only = (configs: UpstreamConfig[]) => ({ configs, drained: new Set<string>(), sources: new Map(configs.map((c) => [c.id, 'file' as const])) });
  return { registry, file, only };
}

/** Whether `promise` settles within a few turns of the event loop (no timer has to fire). */
async function settlesWithoutTimers(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let turn = 0; turn < 5 && !settled; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('stdio process slots', () => {
  it('wakes a start waiting for a slot as soon as the slot is given up, without polling', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { registry, file, only } = registryOfTwo();
    const [first, second] = [registry.get('first'), registry.get('second')];
    if (!first || !second) throw new Error('both upstreams are in the registry');
    try {
      // `first` holds the only slot while its child starts (a starting child is never stopped for another).
      expect(await registry.admit(first)).toBe(true);
      const waiting = registry.admit(second);
      expect(await settlesWithoutTimers(waiting)).toBe(false);

      // `first` leaves the set: its slot is free, and the waiting start takes it with no timer firing.
      registry.apply(only(file.upstreams.filter((u) => u.id === 'second')));
      expect(await settlesWithoutTimers(waiting)).toBe(true);
      expect(await waiting).toBe(true);
      expect(registry.runningProcesses()).toBe(1);
    } finally {
      await registry.close();
    }
  });

  it('gives up at once when the waiting upstream itself is removed, or the registry closes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { registry, file, only } = registryOfTwo();
    const [first, second] = [registry.get('first'), registry.get('second')];
    if (!first || !second) throw new Error('both upstreams are in the registry');
    expect(await registry.admit(first)).toBe(true);
    const removed = registry.admit(second);
    registry.apply(only(file.upstreams.filter((u) => u.id === 'first')));
    expect(await settlesWithoutTimers(removed)).toBe(true);
    expect(await removed).toBe(false);

    const { registry: other } = registryOfTwo();
    const [a, b] = [other.get('first'), other.get('second')];
    if (!a || !b) throw new Error('both upstreams are in the registry');
    expect(await other.admit(a)).toBe(true);
    const closing = other.admit(b);
    await other.close();
    expect(await settlesWithoutTimers(closing)).toBe(true);
    expect(await closing).toBe(false);
    await registry.close();
  });

  it('refuses a start that found no slot within the upstream timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { registry } = registryOfTwo();
    const [first, second] = [registry.get('first'), registry.get('second')];
    if (!first || !second) throw new Error('both upstreams are in the registry');
    try {
      expect(await registry.admit(first)).toBe(true);
      const waiting = registry.admit(second);
      await vi.advanceTimersByTimeAsync(59_000);
      expect(await settlesWithoutTimers(waiting)).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await waiting).toBe(false);
    } finally {
      await registry.close();
    }
  });
});
