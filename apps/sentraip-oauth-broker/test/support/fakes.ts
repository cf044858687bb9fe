import { Writable } from 'node:stream';
import { createLogger, createMetricsRegistry, type Logger } from '@mcpgw/telemetry';
import type { Registry } from 'prom-client';

/** A logger whose JSON lines are kept in `lines` (unit tests read and grep them). */
export function capturingLogger(service = 'sentraip-oauth-broker'): {
  logger: Logger;
  lines: string[];
} {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  return { logger: createLogger({ service, level: 'debug', stream }), lines };
}

/** A fresh registry without process metrics. */
export function testRegistry(): Registry {
  return createMetricsRegistry({ service: 'sentraip-oauth-broker', collectDefaultMetrics: false });
}

/** The value of one sample of a metric in the registry (a histogram's `_count`), 0 when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values, type } = await metric.get();
  const wanted = String(type) === 'histogram' ? `${name}_count` : undefined;
  const match = values.find(
    (v) =>
      (wanted === undefined || (v as { metricName?: string }).metricName === wanted) &&
      Object.entries(labels).every(
        ([key, value]) => (v.labels as Record<string, unknown>)[key] === value,
      ),
  );
  return match?.value ?? 0;
}
