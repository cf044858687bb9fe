/**
 * An open-loop, fixed-rate load generator on undici (loopback only): request `i` is sent at its
 * due time (start + i/rate, or the i-th arrival of a Poisson process at that mean rate:
 * schedule.ts), woken by a sub-millisecond ticker thread (ticker.ts), over a keep-alive pool of
 * `connections`, never ahead of its due time, with at most `maxInFlight` requests outstanding.
 * Requests due within `durationS` that the bound held back are still sent after it, during the
 * drain, and timed from their due time: a stall at the end of a run must not take its own victims
 * out of the count. Each answer's latency is measured twice with performance.now() (µs
 * resolution): from its *scheduled* time (which counts the time a request waited for the generator
 * or a free connection: coordinated omission stays visible) and from its actual send.
 *
 * Why not autocannon's `overallRate`: it resets a per-second budget every 1000 ms and each
 * connection spends it as fast as it can at the start of the second, so "50 % of capacity" is a
 * burst at full speed followed by silence, and the burst queues.
 */
import { Pool } from 'undici';
import { startTicker } from './ticker.js';
import { Schedule, type Arrivals } from './schedule.js';
import { Samples, round3, type LatencySummary } from './stats.js';
import type { LoadResult } from './load.js';

export type Pacing = 'ticker' | 'timer';
export const PACINGS: readonly Pacing[] = ['ticker', 'timer'];

export interface FixedRateOptions {
  /** Full URL; origin for the pool, path (and query) for each request. */
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Requests per second. */
  rate: number;
  durationS: number;
  /** Keep-alive connections in the pool (no pipelining). */
  connections: number;
  /** Upper bound on outstanding requests (default: `connections`, so none waits inside the pool). */
  maxInFlight?: number;
  /**
   * After the duration, how long the requests still due may be sent and the outstanding ones may
   * finish before they are aborted (default 2000 ms).
   */
  drainMs?: number;
  /**
   * Seconds at the same rate, on the same pool, before the measured `durationS` (connections
   * opened, JIT warm); nothing from them is counted.
   */
  warmupS?: number;
  /**
   * A counter read when the measured part starts and when it ends, after the drain (e.g. a
   * process's CPU time in µs); the difference is reported as `sampledDelta`.
   */
  sample?: () => number | undefined;
  /**
   * How the sender wakes up for the next due request: `ticker` (default) — a worker thread that
   * sleeps until each due time with µs precision and wakes the sender; `timer` — `setTimeout`,
   * whose 1 ms granularity sends the requests of each millisecond together (2–4 at a time at
   * 2,000–4,000/s), so they queue behind each other at the target.
   */
  pacing?: Pacing;
  /** When the requests are due: evenly spaced (default) or as a Poisson process at the same mean rate. */
  arrivals?: Arrivals;
  /** The Poisson arrivals' seed (default 1): the same seed, the same due times. */
  seed?: number;
}

export interface FixedRateResult extends LoadResult {
  /** Latency of 2xx answers from their actual send (what a closed-loop tool would report). */
  sendLatencyMs: LatencySummary;
  /** Requests due within the measured duration (after the warm-up). */
  scheduled: number;
  sent: number;
  /** Due but never sent: the in-flight bound held them until the end of the drain (the target fell behind). */
  notSent: number;
  /** Outstanding at the end of the drain, then aborted (counted in `failed`). */
  aborted: number;
  /** 2xx answers carrying a JSON-RPC error instead of a result (counted in `failed`). */
  rpcErrors: number;
  /** Most requests outstanding at once (never above `maxInFlight`). */
  maxInFlightSeen: number;
  /** The latest a request was sent after its due time (pacing, event-loop delay, in-flight bound). */
  maxSendLagMs: number;
  /** `sample()` at the end of the measured part minus at its start, when both were read. */
  sampledDelta?: number;
}

/** One bounded fixed-rate run. */
export async function runFixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const target = new URL(options.url);
  const path = `${target.pathname}${target.search}`;
  const maxInFlight = Math.max(1, options.maxInFlight ?? options.connections);
  const warmupS = Math.max(0, options.warmupS ?? 0);
  const pacing = options.pacing ?? 'ticker';
  const durationMs = (warmupS + options.durationS) * 1000;
  const schedule = Schedule.of(
    options.arrivals ?? 'uniform',
    options.rate,
    warmupS + options.durationS,
    options.seed,
  );
  const total = schedule.total;
  // Requests before this index belong to the warm-up: sent on schedule, not counted.
  const firstMeasured = schedule.countBefore(warmupS * 1000);
  const pool = new Pool(target.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const fromScheduled = new Samples(total - firstMeasured);
  const fromSend = new Samples(total - firstMeasured);
  const statuses: Record<string, number> = {};
  let next = 0;
  let inFlight = 0;
  let maxInFlightSeen = 0;
  let maxSendLagMs = 0;
  let failed = 0;
  let issuing = true;
  let destroyed = false;
  let aborted = 0;
  let rpcErrors = 0;
  let timer: NodeJS.Timeout | undefined;
  let drained: (() => void) | undefined;

  const send = (i: number) => {
    const scheduledAt = start + schedule.offsetMs(i);
    const sentAt = performance.now();
    const measured = i >= firstMeasured;
    if (measured) maxSendLagMs = Math.max(maxSendLagMs, sentAt - scheduledAt);
    inFlight += 1;
    maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
    pool
      .request({ path, method: 'POST', headers: options.headers, body: options.body })
      .then(async ({ statusCode, body }) => {
        const text = await body.text();
        const end = performance.now();
        if (!measured) return;
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        if (statusCode < 200 || statusCode >= 300) {
          failed += 1;
          return;
        }
        // MCP answers a failed call with HTTP 200 and a JSON-RPC error: not a success to time.
        if (isJsonRpcError(text)) {
          rpcErrors += 1;
          failed += 1;
          return;
        }
        fromScheduled.add(end - scheduledAt);
        fromSend.add(end - sentAt);
      })
      .catch(() => {
        if (!measured) return;
        if (destroyed) aborted += 1;
        failed += 1;
      })
      .finally(() => {
        inFlight -= 1;
        if (issuing && timer === undefined) pump();
        if (inFlight === 0 && next >= total) drained?.();
      });
  };

  /** Sends what is due: at least the first `dueAtLeast` (the ticker's count, read on the same clock a moment earlier). */
  const pump = (dueAtLeast = 0) => {
    timer = undefined;
    if (!issuing || next >= total) return;
    // Past the duration every request is due: the ones the bound held back go out as it allows.
    const due = Math.max(Math.min(dueAtLeast, total), schedule.dueCount(performance.now() - start));
    while (next < due && inFlight < maxInFlight) send(next++);
    // At the bound, the next answer calls pump again; otherwise wake up when the next one is due
    // (the ticker does that by itself).
    if (pacing === 'timer' && next < total && inFlight < maxInFlight) {
      const wait = start + schedule.offsetMs(next) - performance.now();
      timer = setTimeout(() => pump(), Math.max(0, wait));
    }
  };

  let start = 0;
  // Started before the schedule's clock: the thread's start-up must not make the first requests overdue.
  const ticker =
    pacing === 'ticker'
      ? await startTicker({
          offsetsMs: schedule.offsetsMs,
          onDue: (dueCount) => pump(dueCount),
        }).catch(async (err: unknown) => {
          await pool.destroy();
          throw err;
        })
      : undefined;
  start = ticker?.startMs ?? performance.now();
  const measuredFrom = start + warmupS * 1000;
  let sampledAtStart: number | undefined;
  const sampleTimer = options.sample
    ? setTimeout(() => (sampledAtStart = options.sample?.()), warmupS * 1000)
    : undefined;
  /** No request is sent after this, by a timer or a tick. */
  const stopIssuing = async () => {
    issuing = false;
    if (timer) clearTimeout(timer);
    await ticker?.stop();
  };
  pump();
  let durationTimer: NodeJS.Timeout | undefined;
  const failure = await Promise.race([
    new Promise<undefined>(
      (resolve) => (durationTimer = setTimeout(() => resolve(undefined), durationMs)),
    ),
    ...(ticker ? [ticker.failed] : []),
  ]);
  clearTimeout(durationTimer);
  clearTimeout(sampleTimer);
  if (failure) {
    await stopIssuing();
    await pool.destroy();
    throw failure;
  }
  // Every request is due now: send what the bound allows, even if no tick or answer comes to do it.
  pump();
  if (inFlight > 0 || next < total) {
    let drainTimer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      drained = resolve;
      drainTimer = setTimeout(resolve, options.drainMs ?? 2000);
    });
    clearTimeout(drainTimer);
  }
  // After the drain: the requests it sent are measured, so their CPU is counted too.
  const sampledAtEnd = sampledAtStart === undefined ? undefined : options.sample?.();
  await stopIssuing();
  destroyed = inFlight > 0;
  await pool.destroy();
  // The aborted requests' handlers run after destroy(); wait for them (bounded) before counting.
  for (let spins = 0; inFlight > 0 && spins < 200; spins += 1) {
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  return {
    ok: fromScheduled.count,
    failed,
    rpcErrors,
    durationS: round3((performance.now() - measuredFrom) / 1000),
    rps: Math.round(fromScheduled.count / options.durationS),
    latencyMs: fromScheduled.summary(),
    statuses,
    sendLatencyMs: fromSend.summary(),
    scheduled: total - firstMeasured,
    sent: Math.max(0, next - firstMeasured),
    notSent: total - Math.max(next, firstMeasured),
    aborted,
    maxInFlightSeen,
    maxSendLagMs: round3(maxSendLagMs),
    ...(sampledAtStart !== undefined && sampledAtEnd !== undefined
      ? { sampledDelta: sampledAtEnd - sampledAtStart }
      : {}),
  };
}

/**
 * An unescaped `"error":{` exists in a JSON text only as an object key (inside a string its quotes
 * would be escaped): a cheap pre-check, confirmed by parsing, since a result may hold an `error`
 * object of its own deeper down. Only the answer's top-level `error` makes it a JSON-RPC error.
 */
const ERROR_KEY = /"error"\s*:\s*\{/;

function isJsonRpcError(text: string): boolean {
  if (!ERROR_KEY.test(text)) return false;
  try {
    const answer: unknown = JSON.parse(text);
    return typeof answer === 'object' && answer !== null && 'error' in answer;
  } catch {
    return false;
  }
}
