import type { Registry } from 'prom-client';
import { abortReason } from './abort.js';
import { BulkheadFullError, BulkheadTimeoutError } from './errors.js';
import { counterIn, gaugeIn } from './metrics.js';

/** Options of {@link Bulkhead}. */
export interface BulkheadOptions {
  /** Metric label and error detail; keep it low-cardinality (e.g. `sentraip`). */
  name: string;
  /** Calls allowed to run at once (integer >= 1). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot (integer >= 0); beyond that, rejected at once. */
  maxQueue: number;
  /** How long a queued call may wait for a slot; unset = as long as it takes. */
  queueTimeoutMs?: number;
  /** Registers `bulkhead_active`, `bulkhead_queued` and `bulkhead_rejections_total`. */
  registry?: Registry;
}

/** Options of {@link Bulkhead.run}. */
export interface BulkheadRunOptions {
  /** Aborting it takes a queued call out of the queue (rejects with the signal's reason). */
  signal?: AbortSignal;
}

interface Waiter {
  grant(): void;
  fail(err: unknown): void;
}

interface BulkheadMetrics {
  update(active: number, queued: number): void;
  rejected(): void;
}

/**
 * A concurrency limit with a bounded FIFO queue: at most `maxConcurrent` calls run, up to
 * `maxQueue` more wait in arrival order, and any further call is rejected immediately with
 * {@link BulkheadFullError} rather than piling up. A queued call that waits longer than
 * `queueTimeoutMs` is rejected with {@link BulkheadTimeoutError}. A finishing call hands its
 * slot straight to the oldest waiter, so a newcomer can never overtake the queue.
 */
export class Bulkhead {
  readonly name: string;
  private readonly maxConcurrent: number;
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number | undefined;
  private readonly queue: Waiter[] = [];
  private running = 0;
  private readonly metrics: BulkheadMetrics;

  constructor(options: BulkheadOptions) {
    const { name, maxConcurrent, maxQueue, queueTimeoutMs } = options;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`bulkhead ${name}: maxConcurrent must be an integer >= 1`);
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new RangeError(`bulkhead ${name}: maxQueue must be an integer >= 0`);
    }
    if (queueTimeoutMs !== undefined && !(queueTimeoutMs > 0)) {
      throw new RangeError(`bulkhead ${name}: queueTimeoutMs must be > 0`);
    }
    this.name = name;
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.queueTimeoutMs = queueTimeoutMs;
    this.metrics = options.registry
      ? bulkheadMetrics(options.registry, name)
      : { update: noop, rejected: noop };
    this.metrics.update(0, 0);
  }

  /** Calls currently running. */
  get active(): number {
    return this.running;
  }

  /** Calls currently waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs `fn` when a slot is free. The slot is released however `fn` ends, including a
   * synchronous throw.
   */
  async run<T>(fn: () => Promise<T> | T, options: BulkheadRunOptions = {}): Promise<T> {
    await this.acquire(options.signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.running < this.maxConcurrent) {
      this.running++;
      this.metrics.update(this.running, this.queue.length);
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueue) {
      this.metrics.rejected();
      return Promise.reject(new BulkheadFullError(this.name));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => leave(signal ? abortReason(signal) : undefined);
      const settle = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          settle();
          resolve();
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      };
      const leave = (err: unknown): void => {
        const index = this.queue.indexOf(waiter);
        if (index < 0) return;
        this.queue.splice(index, 1);
        this.metrics.update(this.running, this.queue.length);
        waiter.fail(err);
      };
      if (this.queueTimeoutMs !== undefined) {
        const ms = this.queueTimeoutMs;
        timer = setTimeout(() => {
          this.metrics.rejected();
          leave(new BulkheadTimeoutError(this.name, ms));
        }, ms);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.metrics.update(this.running, this.queue.length);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes to the oldest waiter without ever being free, so `running` is unchanged.
    if (next) next.grant();
    else this.running--;
    this.metrics.update(this.running, this.queue.length);
  }
}

function noop(): void {
  return undefined;
}

function bulkheadMetrics(registry: Registry, name: string): BulkheadMetrics {
  const labels = { bulkhead: name };
  const active = gaugeIn(registry, {
    name: 'bulkhead_active',
    help: 'Calls currently running inside the bulkhead',
    labelNames: ['bulkhead'],
  });
  const queued = gaugeIn(registry, {
    name: 'bulkhead_queued',
    help: 'Calls currently waiting for a bulkhead slot',
    labelNames: ['bulkhead'],
  });
  const rejections = counterIn(registry, {
    name: 'bulkhead_rejections_total',
    help: 'Calls rejected by the bulkhead (queue full or queue wait timed out)',
    labelNames: ['bulkhead'],
  });
  rejections.inc(labels, 0);
  return {
    update: (a, q) => {
      active.set(labels, a);
      queued.set(labels, q);
    },
    rejected: () => rejections.inc(labels),
  };
}
