import { Writable } from 'node:stream';
import { listen, type RunningServer } from '@mcpgw/service-kit';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { createCollectorApp } from '../../src/app.js';
import { createCollector, type Collector } from '../../src/collector.js';
import { readCollectorConfig } from '../../src/config.js';
import { loadRulesFile } from '../../src/rules/rules-loader.js';
import { SERVICE_TOKEN } from './client.js';

/** A collector built from `createCollectorApp` on 127.0.0.1:0, for integration tests. */
export interface InProcessCollector {
  url: string;
  collector: Collector;
  store: StateStore;
  /** Parsed log records written so far. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts one; `env` is the collector's environment (REDIS_URL unset: memory store). */
export async function startInProcessCollector(
  env: Record<string, string> = {},
  options: {
    compactEveryMs?: number;
    now?: () => number;
    start?: boolean;
    /** Wraps the state store the collector uses (fault injection); `store` stays the real one. */
    wrapStore?: (store: StateStore) => StateStore;
  } = {},
): Promise<InProcessCollector> {
  const config = readCollectorConfig({
    COLLECTOR_SERVICE_TOKEN: SERVICE_TOKEN,
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = createLogger({ service: 'analytics-collector', level: 'info', stream });
  const registry = createMetricsRegistry({
    service: 'analytics-collector',
    collectDefaultMetrics: false,
  });
  const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'anl:', logger });
  const rules = await loadRulesFile(config.rulesFile);
  const { wrapStore, ...collectorOptions } = options;
  const used = wrapStore ? wrapStore(store) : store;
  const collector = createCollector({
    config,
    logger,
    registry,
    store: used,
    rules,
    ...collectorOptions,
  });
  if (options.start !== false) collector.start();
  const app = createCollectorApp({
    config,
    logger,
    registry,
    store: used,
    collector,
    isShuttingDown: () => false,
  });
  const running: RunningServer = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    url: running.url,
    collector,
    store,
    logs,
    async stop() {
      await new Promise<void>((resolve) => {
        running.server.close(() => resolve());
        running.server.closeAllConnections();
      });
      await collector.stop();
      await store.close();
    },
  };
}
