import {
  collectDefaultMetrics as collectNodeMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { TelemetryError } from './errors.js';

export interface CreateMetricsRegistryOptions {
  /** Set as the default `service` label on every metric of the registry. */
  service: string;
  /** Node process metrics (`process_*`, `nodejs_*`); default true. */
  collectDefaultMetrics?: boolean;
}

/** Creates the app's one prom-client registry; libs receive it and register their metrics on it. */
export function createMetricsRegistry(options: CreateMetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.collectDefaultMetrics ?? true) collectNodeMetrics({ register: registry });
  return registry;
}

/** Metric configuration without `registers`: the registry is the first argument. */
export type MetricConfig<C> = Omit<C, 'registers'>;

type MetricClass = typeof Counter | typeof Gauge | typeof Histogram;

/**
 * Returns the metric named `config.name` on `registry`, creating it on first use, so that two
 * components (or two app instances in one test process) can share a registry without
 * duplicate-registration errors. A same-named metric of another type or label set is a bug:
 * it throws `TelemetryError` `METRIC_CONFLICT`.
 */
export function getOrCreateCounter<T extends string = string>(
  registry: Registry,
  config: MetricConfig<CounterConfiguration<T>>,
): Counter<T> {
  const existing = findExisting(registry, config.name, Counter, config.labelNames);
  return existing instanceof Counter
    ? existing
    : new Counter<T>({ ...config, registers: [registry] });
}

/** Like {@link getOrCreateCounter}, for histograms. */
export function getOrCreateHistogram<T extends string = string>(
  registry: Registry,
  config: MetricConfig<HistogramConfiguration<T>>,
): Histogram<T> {
  const existing = findExisting(registry, config.name, Histogram, config.labelNames);
  return existing instanceof Histogram
    ? existing
    : new Histogram<T>({ ...config, registers: [registry] });
}

/** Like {@link getOrCreateCounter}, for gauges. */
export function getOrCreateGauge<T extends string = string>(
  registry: Registry,
  config: MetricConfig<GaugeConfiguration<T>>,
): Gauge<T> {
  const existing = findExisting(registry, config.name, Gauge, config.labelNames);
  return existing instanceof Gauge ? existing : new Gauge<T>({ ...config, registers: [registry] });
}

function findExisting(
  registry: Registry,
  name: string,
  kind: MetricClass,
  labelNames: readonly string[] | undefined,
): unknown {
  const existing: unknown = registry.getSingleMetric(name);
  if (existing === undefined) return undefined;
  if (!(existing instanceof kind)) {
    throw new TelemetryError(
      'METRIC_CONFLICT',
      `metric ${name} is already registered with another type`,
    );
  }
  const registered: unknown = Reflect.get(existing, 'labelNames');
  const have = Array.isArray(registered) ? registered.map(String).sort() : [];
  const want = [...(labelNames ?? [])].sort();
  if (have.length !== want.length || have.some((label, i) => label !== want[i])) {
    throw new TelemetryError(
      'METRIC_CONFLICT',
      `metric ${name} is already registered with labels [${have.join(',')}], not [${want.join(',')}]`,
    );
  }
  return existing;
}
