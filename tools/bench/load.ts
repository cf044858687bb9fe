/**
 * Closed-loop load with autocannon (loopback only), for capacity runs: each connection sends its
 * next request as soon as the previous answer arrives. Latencies are collected per response in
 * microseconds from autocannon's `response` event, because its own histogram keeps whole
 * milliseconds, too coarse for sub-millisecond added latency. Fixed-rate runs use
 * {@link runFixedRate} (fixed-rate.ts) instead: autocannon's `overallRate` sends each second's
 * budget in a burst at the start of the second.
 */
import autocannon, { type AutocannonRequest } from 'autocannon';
import { Samples, round3, type LatencySummary } from './stats.js';

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  /** Headers recomputed for every request (e.g. a fresh unknown API key), merged over `headers`. */
  perRequestHeaders?: () => Record<string, string>;
  /** The status that counts as the expected answer (default: any 2xx). */
  expectStatus?: number;
}

export interface LoadResult {
  /** Expected responses (2xx unless `expectStatus` says otherwise). */
  ok: number;
  /** Other responses plus socket errors and timeouts. */
  failed: number;
  durationS: number;
  /** Expected responses per second. */
  rps: number;
  /** Latency of the expected responses. */
  latencyMs: LatencySummary;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
}

/** One bounded closed-loop run; resolves with throughput and latency percentiles. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Samples(50_000 * options.durationS);
  const statuses: Record<string, number> = {};
  let failed = 0;
  const expected = (status: number) =>
    options.expectStatus === undefined
      ? status >= 200 && status < 300
      : status === options.expectStatus;
  const vary = options.perRequestHeaders;
  const requests: AutocannonRequest[] | undefined = vary
    ? [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...vary() } }) }]
    : undefined;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        headers: options.headers,
        body: options.body,
        connections: options.connections,
        duration: options.durationS,
        pipelining: 1,
        timeout: 10,
        ...(requests ? { requests } : {}),
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          ok: latencies.count,
          failed: failed + result.errors + result.timeouts,
          durationS: round3((performance.now() - started) / 1000),
          rps: Math.round(latencies.count / options.durationS),
          latencyMs: latencies.summary(),
          statuses,
        });
      },
    );
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        if (expected(statusCode)) latencies.add(responseTimeMs);
        else failed += 1;
      },
    );
  });
}
