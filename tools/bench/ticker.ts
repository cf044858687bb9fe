/**
 * Wakes a fixed-rate sender at each request's due time with sub-millisecond precision.
 *
 * Node's timers have a 1 ms granularity (`setTimeout(fn, 0.4)` waits 1 ms, and the event loop's
 * clock ticks in milliseconds), so a sender paced by them sends each millisecond's requests
 * together: at 2,660/s, two or three at once, which then queue behind each other at the target.
 * A worker thread sleeps in `Atomics.wait`, whose timeout is honoured to the microsecond (a futex
 * wait; the kernel's timer slack is 50 µs), and posts the index of each request as it falls due;
 * the message wakes the sender's event loop at once. Nothing spins: the sleeping thread costs no CPU
 * on the core it shares with the upstream.
 */
import { Worker } from 'node:worker_threads';

export interface Ticker {
  /** Stops the worker; no tick arrives after this returns. */
  stop(): Promise<void>;
}

export interface TickerOptions {
  /** Each request's due time in ms after the start, ascending. */
  offsetsMs: Float64Array;
  /** The schedule's start as `performance.now()` of the calling thread. */
  startMs: number;
  /** Called with the index of the request that has just fallen due. */
  onDue: (index: number) => void;
}

// Plain JavaScript, evaluated as the worker's script: the generator runs from TypeScript source
// (tsx, vitest), and a worker started from a .ts file would need the same loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { stop, offsetsMs, originMs } = workerData;
const now = () => performance.timeOrigin + performance.now();
for (let i = 0; i < offsetsMs.length; i += 1) {
  const wait = originMs + offsetsMs[i] - now();
  if (wait > 0 && Atomics.wait(stop, 0, 0, wait) !== 'timed-out') break;
  if (Atomics.load(stop, 0) !== 0) break;
  parentPort.postMessage(i);
}
`;

/** Starts the worker that ticks once per due request (bounded: one tick per offset at most). */
export function startTicker(options: TickerOptions): Ticker {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  let stopped = false;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      stop,
      offsetsMs: options.offsetsMs,
      originMs: performance.timeOrigin + options.startMs,
    },
  });
  worker.on('message', (index: number) => {
    if (!stopped) options.onDue(index);
  });
  // A failing worker would leave the sender without ticks: fail loudly rather than measure nothing.
  worker.on('error', (err) => {
    if (!stopped) throw err;
  });
  worker.unref();
  return {
    async stop() {
      stopped = true;
      Atomics.store(stop, 0, 1);
      Atomics.notify(stop, 0);
      await worker.terminate();
    },
  };
}
