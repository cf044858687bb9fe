import { PassThrough } from 'node:stream';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@mcpgw/telemetry';
import { listen } from './http-server.js';
import { ShutdownCoordinator } from './shutdown.js';

const quietLogger = () => createLogger({ service: 'shutdown-test', stream: new PassThrough() });

async function slowServer(delayMs: number) {
  const app = express();
  app.get('/slow', async (_req, res) => {
    await new Promise((r) => setTimeout(r, delayMs));
    res.json({ done: true });
  });
  return listen(app, { host: '127.0.0.1', port: 0 });
}

describe('ShutdownCoordinator', () => {
  it('lets in-flight requests finish, refuses new connections, then runs hooks in order', async () => {
    const server = await slowServer(300);
    const order: string[] = [];
    const coordinator = new ShutdownCoordinator({ logger: quietLogger(), drainTimeoutMs: 5000 });
    coordinator.attachServer(server);
    coordinator.addHook('flush', async () => { order.push(`flush:${server.inFlight()}`); });
    coordinator.addHook('close', async () => { order.push('close'); });

    const inFlight = fetch(`${server.url}/slow`);
    await expect.poll(() => server.inFlight()).toBe(1);
    const shutdown = coordinator.shutdown('test');
    expect(coordinator.isShuttingDown()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${server.url}/slow`)).rejects.toThrow();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    expect(await shutdown).toBe(0);
    expect(order).toEqual(['flush:0', 'close']);
  });

  it('cuts connections that outlive the drain deadline', async () => {
    const server = await slowServer(5000);
    const coordinator = new ShutdownCoordinator({ logger: quietLogger(), drainTimeoutMs: 200 });
    coordinator.attachServer(server);
    const inFlight = fetch(`${server.url}/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await expect.poll(() => server.inFlight()).toBe(1);
    const started = Date.now();
    expect(await coordinator.shutdown('test')).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await inFlight).toBe('cut');
  });

  it('runs final hooks after every other hook, whenever those were added', async () => {
    const coordinator = new ShutdownCoordinator({ logger: quietLogger(), drainTimeoutMs: 100 });
    const order: string[] = [];
    coordinator.addFinalHook('telemetry', async () => { order.push('telemetry'); });
    coordinator.addHook('store', async () => { order.push('store'); });
    coordinator.addHook('outbox', async () => { order.push('outbox'); });
    expect(await coordinator.shutdown('test')).toBe(0);
    expect(order).toEqual(['store', 'outbox', 'telemetry']);
  });

  it('exits 1 when a hook fails or hangs, and runs only once', async () => {
    const coordinator = new ShutdownCoordinator({ logger: quietLogger(), drainTimeoutMs: 100, hookTimeoutMs: 100 });
    let runs = 0;
    coordinator.addHook('hangs', () => { runs += 1; return new Promise<void>(() => undefined); });
    const first = coordinator.shutdown('a');
    const second = coordinator.shutdown('b');
    expect(first).toBe(second);
    expect(await first).toBe(1);
    expect(runs).toBe(1);
  });
});

describe('signal handling', () => {
  it('starts one shutdown on the first signal and lets a repeated signal not cut the drain', async () => {
    const server = await slowServer(400);
    const exits: number[] = [];
    const coordinator = new ShutdownCoordinator({
      logger: quietLogger(),
      drainTimeoutMs: 5000,
      exit: (code) => exits.push(code),
    });
    coordinator.attachServer(server);
    let hookRuns = 0;
    coordinator.addHook('flush', async () => {
      hookRuns += 1;
    });
    const uninstall = coordinator.installSignalHandlers(['SIGUSR2']);
    try {
      const inFlight = fetch(`${server.url}/slow`);
      await expect.poll(() => server.inFlight()).toBe(1);
      process.emit('SIGUSR2', 'SIGUSR2');
      process.emit('SIGUSR2', 'SIGUSR2');
      process.emit('SIGUSR2', 'SIGUSR2');
      const response = await inFlight;
      expect(response.status).toBe(200);
      await expect.poll(() => exits).toEqual([0]);
      expect(hookRuns).toBe(1);
    } finally {
      uninstall();
    }
  });
});
