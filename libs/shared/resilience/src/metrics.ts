import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metric factories over a caller-owned registry. Each app has one registry and may build many
 * breakers/bulkheads (or rebuild one with the same name on config reload), so an existing metric
 * of the same name is reused instead of registered twice (which prom-client refuses).
 */

interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

/** Returns the registry's counter called `spec.name`, creating it on first use. */
export function counterIn<L extends string>(registry: Registry, spec: MetricSpec<L>): Counter<L> {
  const existing = registry.getSingleMetric(spec.name);
  if (existing instanceof Counter) return existing as Counter<L>;
  if (existing) throw new TypeError(`metric ${spec.name} is already registered with another type`);
  return new Counter<L>({ ...spec, registers: [registry] });
}

/** Returns the registry's gauge called `spec.name`, creating it on first use. */
export function gaugeIn<L extends string>(registry: Registry, spec: MetricSpec<L>): Gauge<L> {
  const existing = registry.getSingleMetric(spec.name);
  if (existing instanceof Gauge) return existing as Gauge<L>;
  if (existing) throw new TypeError(`metric ${spec.name} is already registered with another type`);
  return new Gauge<L>({ ...spec, registers: [registry] });
}
