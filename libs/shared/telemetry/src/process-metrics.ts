import { createRequire } from 'node:module';
import { GCProfiler } from 'node:v8';
import { Histogram, type Registry } from 'prom-client';
import { TelemetryError } from './errors.js';

type Collector = (registry: Registry, config: Record<string, unknown>) => void;

/**
 * prom-client's default collectors (`lib/defaultMetrics.js` of prom-client 15), all but `gc`. That
 * one observes every garbage collection through a `PerformanceObserver`, and Node makes each GC's
 * performance entry with deprecated getters, new functions that V8 turns into prototypes: about
 * 2 KB per GC that ends up in the old generation, at 15 scavenges a second under load the largest
 * share of what the gateway's old generation still took (ADR 0009, seventh amendment).
 * `nodejs_gc_duration_seconds` comes from a `v8.GCProfiler` instead (below).
 */
const PROM_CLIENT_COLLECTORS = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
] as const;

const requireCjs = createRequire(import.meta.url);

/** The Node process metrics prom-client's `collectDefaultMetrics` registers, under the same names. */
export function collectProcessMetrics(registry: Registry): void {
  const config = { register: registry, eventLoopMonitoringPrecision: 10 };
  for (const name of PROM_CLIENT_COLLECTORS) {
    const collector: unknown = requireCjs(`prom-client/lib/metrics/${name}`);
    if (typeof collector !== 'function') {
      throw new TelemetryError('COLLECTOR_MISSING', `prom-client has no collector ${name}`);
    }
    (collector as Collector)(registry, config);
  }
  gcDurations.register(
    new Histogram({
      name: 'nodejs_gc_duration_seconds',
      help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      labelNames: ['kind'],
      buckets: [0.001, 0.01, 0.1, 1, 2, 5],
      registers: [registry],
      collect: () => gcDurations.drain(),
    }),
  );
}

/** prom-client's `kind` label for V8's GC type names. */
const GC_KINDS: Readonly<Record<string, string>> = {
  Scavenge: 'minor',
  MinorMarkSweep: 'minor',
  MinorMarkCompact: 'minor',
  MarkSweepCompact: 'major',
  IncrementalMarking: 'incremental',
  ProcessWeakCallbacks: 'weakcb',
};

/** How often what the profiler recorded is moved into the histograms (a scrape also does it). */
const DRAIN_INTERVAL_MS = 1_000;

/**
 * One `GCProfiler` for the process, whose records (one per GC, kept in C++ until asked for) go to
 * every registered histogram. It runs while a histogram is alive: registries held weakly, so a
 * dropped one (tests make many) stops counting and, when it was the last, stops the profiler.
 */
class GcDurations {
  private readonly histograms = new Set<WeakRef<Histogram<'kind'>>>();
  private profiler: GCProfiler | undefined;
  private timer: NodeJS.Timeout | undefined;

  register(histogram: Histogram<'kind'>): void {
    this.histograms.add(new WeakRef(histogram));
    if (this.profiler) return;
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.timer = setInterval(() => this.drain(), DRAIN_INTERVAL_MS).unref();
  }

  drain(): void {
    if (!this.profiler) return;
    const recorded: unknown = this.profiler.stop();
    this.profiler.start();
    const live: Histogram<'kind'>[] = [];
    for (const ref of this.histograms) {
      const histogram = ref.deref();
      if (histogram) live.push(histogram);
      else this.histograms.delete(ref);
    }
    if (live.length === 0) return this.stop();
    for (const { kind, seconds } of gcRecords(recorded)) {
      for (const histogram of live) histogram.observe({ kind }, seconds);
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.profiler?.stop();
    this.profiler = undefined;
    this.timer = undefined;
  }
}

/** The collections in what `GCProfiler.stop()` returned; anything malformed is skipped. */
function gcRecords(recorded: unknown): Array<{ kind: string; seconds: number }> {
  const statistics = (recorded as { statistics?: unknown } | undefined)?.statistics;
  if (!Array.isArray(statistics)) return [];
  const records: Array<{ kind: string; seconds: number }> = [];
  for (const item of statistics as unknown[]) {
    const { gcType, cost } = (item ?? {}) as { gcType?: unknown; cost?: unknown };
    if (typeof gcType !== 'string' || typeof cost !== 'number' || !(cost >= 0)) continue;
    records.push({ kind: GC_KINDS[gcType] ?? 'major', seconds: cost / 1e6 });
  }
  return records;
}

const gcDurations = new GcDurations();
