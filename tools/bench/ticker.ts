/**
 * Wakes a fixed-rate sender at each request's due time with sub-millisecond precision.
 *
 * Node's timers have a 1 ms granularity (`setTimeout(fn, 0.4)` waits 1 ms, and the event loop's
 * clock ticks in milliseconds), so a sender paced by them sends each millisecond's requests
 * together: at 2,660/s, two or three at once, which then queue behind each other at the target.
 * A worker thread sleeps in `Atomics.wait`, whose timeout is honoured to the microsecond (a futex
 * wait; the kernel's timer slack is 50 µs), and wakes the sender's event loop with a message when a
 * request falls due. Nothing spins; each tick costs a thread wake-up and a message on the
 * generator's core. Both threads read `process.hrtime`, the process's monotonic clock (a thread's
 * `performance.timeOrigin` is wall-clock time, which can step).
 */
import { Worker } from 'node:worker_threads';

export interface Ticker {
  /** The schedule's start: `performance.now()` of the calling thread when the worker began ticking. */
  readonly startMs: number;
  /** Settles with the worker's error if it fails (never resolves otherwise). */
  readonly failed: Promise<Error>;
  /** Stops the worker; no tick arrives after this returns. */
  stop(): Promise<void>;
}

export interface TickerOptions {
  /** Each request's due time in ms after the start, ascending. */
  offsetsMs: Float64Array;
  /**
   * Called with the number of requests due so far (the index of the latest due request + 1). When
   * the sender is busy, ticks coalesce: it gets the latest count once.
   */
  onDue: (dueCount: number) => void;
}

/** Slots of the shared control array. */
const STOP = 0;
const GO = 1;
/** The latest due count the worker has published. */
const DUE = 2;
/** 1 while a message is on its way and the sender has not read {@link DUE} yet. */
const POSTED = 3;

// Plain JavaScript, evaluated as the worker's script: the generator runs from TypeScript source
// (tsx, vitest), and a worker started from a .ts file would need the same loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { control, start, offsetsMs } = workerData;
const [STOP, GO, DUE, POSTED] = [${STOP}, ${GO}, ${DUE}, ${POSTED}];
parentPort.postMessage('ready');
Atomics.wait(control, GO, 0);
const startNs = Atomics.load(start, 0);
const elapsedMs = () => Number(process.hrtime.bigint() - startNs) / 1e6;
for (let i = 0; i < offsetsMs.length && Atomics.load(control, STOP) === 0; i += 1) {
  const wait = offsetsMs[i] - elapsedMs();
  if (wait > 0 && Atomics.wait(control, STOP, 0, wait) !== 'timed-out') break;
  Atomics.store(control, DUE, i + 1);
  if (Atomics.exchange(control, POSTED, 1) === 0) parentPort.postMessage('due');
}
`;

/**
 * Starts the worker and, once it is ready, the schedule (so its start-up, tens of milliseconds on a
 * busy machine, does not make the first requests overdue). Bounded: one tick per offset at most.
 */
export async function startTicker(options: TickerOptions): Promise<Ticker> {
  const control = new Int32Array(new SharedArrayBuffer(4 * 4));
  const start = new BigInt64Array(new SharedArrayBuffer(8));
  let stopped = false;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, start, offsetsMs: options.offsetsMs },
  });
  worker.unref();
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => {
    if (!stopped && code !== 0) fail(new Error(`the ticker thread exited with code ${code}`));
  });
  const ready = new Promise<void>((resolve) => {
    worker.on('message', (message: string) => {
      if (message === 'ready') return resolve();
      if (stopped) return;
      Atomics.store(control, POSTED, 0);
      options.onDue(Atomics.load(control, DUE));
    });
  });
  const outcome = await Promise.race([ready, failed]);
  if (outcome instanceof Error) {
    await worker.terminate();
    throw outcome;
  }
  const startMs = performance.now();
  Atomics.store(start, 0, process.hrtime.bigint());
  Atomics.store(control, GO, 1);
  Atomics.notify(control, GO);
  return {
    startMs,
    failed,
    async stop() {
      stopped = true;
      Atomics.store(control, STOP, 1);
      Atomics.notify(control, STOP);
      await worker.terminate();
    },
  };
}
