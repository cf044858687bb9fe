/**
 * Load generation with autocannon (loopback only). Latencies are collected per response in
 * microseconds from autocannon's `response` event, because its own histogram keeps whole
 * milliseconds, too coarse for sub-millisecond added latency.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  /** Fixed request rate (req/s over all connections); absent: as fast as possible. */
  rate?: number;
}

export interface LoadResult {
  /** 2xx responses. */
  ok: number;
  /** Non-2xx responses plus socket errors and timeouts. */
  failed: number;
  durationS: number;
  /** 2xx responses per second. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** The value at quantile `q` (0..1) of an ascending array (nearest rank). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** One bounded load run; resolves with throughput and latency percentiles of the 2xx responses. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const expected = Math.ceil((options.rate ?? 50_000) * options.durationS * 1.5) + 1024;
  let latencies = new Float64Array(Math.min(expected, 4_000_000));
  let count = 0;
  let failed = 0;
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
        ...(options.rate ? { overallRate: options.rate } : {}),
      },
      (err, result) => {
        if (err) return reject(err);
        const durationS = (performance.now() - started) / 1000;
        const sorted = latencies.subarray(0, count).sort();
        let sum = 0;
        for (const v of sorted) sum += v;
        resolve({
          ok: count,
          failed: failed + result.errors + result.timeouts,
          durationS: round3(durationS),
          rps: Math.round(count / options.durationS),
          latencyMs: {
            p50: round3(percentile(sorted, 0.5)),
            p90: round3(percentile(sorted, 0.9)),
            p99: round3(percentile(sorted, 0.99)),
            max: round3(sorted[sorted.length - 1] ?? Number.NaN),
            mean: round3(count ? sum / count : Number.NaN),
          },
        });
      },
    );
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        if (statusCode < 200 || statusCode >= 300) {
          failed += 1;
          return;
        }
        if (count === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[count++] = responseTimeMs;
      },
    );
  });
}
