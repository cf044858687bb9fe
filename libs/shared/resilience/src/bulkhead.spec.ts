import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Bulkhead } from './bulkhead.js';
import { BulkheadFullError, BulkheadTimeoutError } from './errors.js';

/** A promise with its resolve/reject exposed, to hold a call open until the test says so. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function metric(
  registry: Registry,
  name: string,
  bulkhead: string,
): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => v.labels['bulkhead'] === bulkhead)?.value;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Bulkhead', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs up to maxConcurrent at once and queues the rest in FIFO order', async () => {
    const bulkhead = new Bulkhead({ name: 'b', maxConcurrent: 2, maxQueue: 3 });
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      bulkhead.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect([bulkhead.active, bulkhead.queued]).toEqual([2, 2]);

    gates[1]?.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect([bulkhead.active, bulkhead.queued]).toEqual([2, 1]);

    for (const gate of gates) gate.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('rejects immediately with BulkheadFullError when the queue is full', async () => {
    const registry = new Registry();
    const bulkhead = new Bulkhead({ name: 'sentraip', maxConcurrent: 1, maxQueue: 1, registry });
    const gate = deferred();
    const running = bulkhead.run(() => gate.promise);
    const queued = bulkhead.run(async () => 'queued');
    const fn = vi.fn(async () => 'never');
    await expect(bulkhead.run(fn)).rejects.toBeInstanceOf(BulkheadFullError);
    await expect(bulkhead.run(fn)).rejects.toMatchObject({
      code: 'RES_ERR_BULKHEAD_FULL',
      bulkhead: 'sentraip',
    });
    expect(fn).not.toHaveBeenCalled();
    expect(await metric(registry, 'bulkhead_rejections_total', 'sentraip')).toBe(2);
    expect(await metric(registry, 'bulkhead_active', 'sentraip')).toBe(1);
    expect(await metric(registry, 'bulkhead_queued', 'sentraip')).toBe(1);
    gate.resolve();
    await running;
    await expect(queued).resolves.toBe('queued');
    expect(await metric(registry, 'bulkhead_active', 'sentraip')).toBe(0);
    expect(await metric(registry, 'bulkhead_queued', 'sentraip')).toBe(0);
  });

  it('maxQueue 0 means no waiting at all', async () => {
    const bulkhead = new Bulkhead({ name: 'b', maxConcurrent: 1, maxQueue: 0 });
    const gate = deferred();
    const running = bulkhead.run(() => gate.promise);
    await expect(bulkhead.run(async () => 1)).rejects.toBeInstanceOf(BulkheadFullError);
    gate.resolve();
    await running;
  });

  it('rejects a call that waited longer than queueTimeoutMs with BulkheadTimeoutError', async () => {
    vi.useFakeTimers();
    const registry = new Registry();
    const bulkhead = new Bulkhead({
      name: 'b',
      maxConcurrent: 1,
      maxQueue: 5,
      queueTimeoutMs: 500,
      registry,
    });
    const gate = deferred();
    const running = bulkhead.run(() => gate.promise);
    const fn = vi.fn(async () => 'late');
    const waiting = bulkhead.run(fn);
    const assertion = expect(waiting).rejects.toMatchObject({
      code: 'RES_ERR_BULKHEAD_TIMEOUT',
      queueTimeoutMs: 500,
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(bulkhead.queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await assertion;
    await expect(waiting).rejects.toBeInstanceOf(BulkheadTimeoutError);
    expect(bulkhead.queued).toBe(0);
    expect(await metric(registry, 'bulkhead_rejections_total', 'b')).toBe(1);
    gate.resolve();
    await running;
    expect(fn).not.toHaveBeenCalled();
    expect(bulkhead.active).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the queue timer of a call that got its slot in time', async () => {
    vi.useFakeTimers();
    const bulkhead = new Bulkhead({
      name: 'b',
      maxConcurrent: 1,
      maxQueue: 1,
      queueTimeoutMs: 500,
    });
    const gate = deferred();
    const running = bulkhead.run(() => gate.promise);
    const waiting = bulkhead.run(async () => 'ok');
    expect(vi.getTimerCount()).toBe(1);
    gate.resolve();
    await running;
    await expect(waiting).resolves.toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases the slot when fn throws synchronously or rejects', async () => {
    const bulkhead = new Bulkhead({ name: 'b', maxConcurrent: 1, maxQueue: 0 });
    await expect(
      bulkhead.run(() => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    expect(bulkhead.active).toBe(0);
    await expect(bulkhead.run(async () => Promise.reject(new Error('async boom')))).rejects.toThrow(
      'async boom',
    );
    expect(bulkhead.active).toBe(0);
    await expect(bulkhead.run(() => 'sync value')).resolves.toBe('sync value');
  });

  it('an aborted signal takes a queued call out of the queue', async () => {
    const bulkhead = new Bulkhead({ name: 'b', maxConcurrent: 1, maxQueue: 2 });
    const gate = deferred();
    const running = bulkhead.run(() => gate.promise);
    const controller = new AbortController();
    const fn = vi.fn(async () => 1);
    const waiting = bulkhead.run(fn, { signal: controller.signal });
    expect(bulkhead.queued).toBe(1);
    controller.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(bulkhead.queued).toBe(0);
    gate.resolve();
    await running;
    expect(fn).not.toHaveBeenCalled();
    await expect(bulkhead.run(fn, { signal: controller.signal })).rejects.toThrow('client gone');
  });

  it('two bulkheads can share one registry', async () => {
    const registry = new Registry();
    const a = new Bulkhead({ name: 'a', maxConcurrent: 1, maxQueue: 0, registry });
    const b = new Bulkhead({ name: 'b', maxConcurrent: 1, maxQueue: 0, registry });
    const gate = deferred();
    const running = a.run(() => gate.promise);
    await expect(b.run(async () => 'b')).resolves.toBe('b');
    expect(await metric(registry, 'bulkhead_active', 'a')).toBe(1);
    expect(await metric(registry, 'bulkhead_active', 'b')).toBe(0);
    gate.resolve();
    await running;
  });

  it('validates its options', () => {
    expect(() => new Bulkhead({ name: 'b', maxConcurrent: 0, maxQueue: 1 })).toThrow(RangeError);
    expect(() => new Bulkhead({ name: 'b', maxConcurrent: 1, maxQueue: -1 })).toThrow(RangeError);
    expect(
      () => new Bulkhead({ name: 'b', maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 0 }),
    ).toThrow(RangeError);
  });

  it('property: never more than maxConcurrent running; every call runs or is rejected as full', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(
          fc.record({
            ticks: fc.integer({ min: 0, max: 4 }),
            outcome: fc.constantFrom('ok', 'reject', 'throw'),
            gapTicks: fc.integer({ min: 0, max: 2 }),
          }),
          { maxLength: 40 },
        ),
        async (maxConcurrent, maxQueue, calls) => {
          const bulkhead = new Bulkhead({ name: 'p', maxConcurrent, maxQueue });
          let running = 0;
          let peak = 0;
          const settled = { ran: 0, full: 0 };
          const all: Promise<void>[] = [];
          for (const call of calls) {
            const work = async (): Promise<void> => {
              running++;
              peak = Math.max(peak, running);
              try {
                for (let t = 0; t < call.ticks; t++) await flush();
                if (call.outcome === 'reject') throw new Error('work failed');
              } finally {
                running--;
              }
            };
            const p = bulkhead
              .run(() => {
                if (call.outcome === 'throw') throw new Error('sync throw');
                return work();
              })
              .then(
                () => void settled.ran++,
                (err: unknown) => {
                  if (err instanceof BulkheadFullError) settled.full++;
                  else settled.ran++;
                },
              );
            all.push(p);
            for (let t = 0; t < call.gapTicks; t++) await flush();
            expect(bulkhead.active).toBeLessThanOrEqual(maxConcurrent);
            expect(bulkhead.queued).toBeLessThanOrEqual(maxQueue);
          }
          await Promise.all(all);
          expect(peak).toBeLessThanOrEqual(maxConcurrent);
          expect(settled.ran + settled.full).toBe(calls.length);
          expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
