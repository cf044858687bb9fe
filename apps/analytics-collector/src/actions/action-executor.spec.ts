import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, StoreUnavailableError } from '@mcpgw/state';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { createCollectorMetrics } from '../collector-metrics.js';
import { loadRulesFile } from '../rules/rules-loader.js';
import { RulesWatcher } from '../rules/rules-watcher.js';
import { CappedLog } from '../support/capped-log.js';
import { ActionExecutor } from './action-executor.js';
import { actionKeys, type ActionJob } from './action-job.js';
import type { DeadLetter } from './outcome-recorder.js';

/** Polls `probe` every 20 ms until it holds (bounded). */
async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ActionExecutor', () => {
  let store: MemoryStateStore;
  let executor: ActionExecutor | undefined;

  afterEach(async () => {
    await executor?.stop();
    executor = undefined;
    await store.close();
  });

  it('leaves a job handed back while its XACK is being retried running: no duplicate, no early ack', async () => {
    store = new MemoryStateStore({ keyPrefix: 't:' });
    const registry = createMetricsRegistry({ service: 't', collectDefaultMetrics: false });
    const metrics = createCollectorMetrics(registry);
    const logger = createLogger({
      service: 't',
      level: 'info',
      stream: new Writable({ write: (_c, _e, done) => done() }),
    });
    // An unknown target: the job reaches its final outcome (dead letter) at once, no HTTP call.
    const job: ActionJob = {
      key: 'inc-1:webhook:nowhere',
      incident_id: 'inc-1',
      action: 'webhook',
      target: 'nowhere',
      created_at: new Date().toISOString(),
      payload: {},
    };
    await store.streamEnsureGroup(actionKeys.stream, actionKeys.group);
    const entry = await store.streamAppend(actionKeys.stream, { job: JSON.stringify(job) });

    let acksDown = true;
    const acked: string[] = [];
    const realAck = store.streamAck.bind(store);
    store.streamAck = async (stream, group, ids) => {
      if (acksDown) throw new StoreUnavailableError('timeout');
      acked.push(...ids);
      return realAck(stream, group, ids);
    };
    // What a re-read of the consumer's pending list looks like: the running job comes back.
    let handBack = false;
    let handedBack = 0;
    const realRead = store.streamReadGroup.bind(store);
    store.streamReadGroup = async (stream, group, consumer, options) => {
      if (!handBack) return realRead(stream, group, consumer, options);
      handBack = false;
      const again = await store.streamReadPending(stream, group, consumer);
      handedBack += again.length;
      return again;
    };

    executor = new ActionExecutor({
      store,
      rules: new RulesWatcher(await loadRulesFile(undefined), undefined, 1_000, logger, metrics),
      registry,
      logger,
      metrics,
      deadLetters: new CappedLog<DeadLetter>(store, {
        name: 'dlq',
        capacity: 100,
        retentionMs: 86_400_000,
        idempotencyTtlMs: 86_400_000,
      }),
      gateway: { url: 'http://127.0.0.1:9' },
      userAgent: 't',
      claimIdleMs: 60_000,
      now: Date.now,
    });
    executor.start();
    // The outcome is recorded; its XACK fails and is being retried.
    await until(async () => (await store.get(actionKeys.done(job.key))) !== null);
    handBack = true;
    await until(() => handedBack === 1);
    // Let the worker handle what was handed back (and try to acknowledge it) while acks fail.
    await new Promise((r) => setTimeout(r, 300));
    acksDown = false;
    await until(
      async () => (await store.streamPendingCount(actionKeys.stream, actionKeys.group)) === 0,
    );

    const outcomes = (await metrics.actions.get()).values.map((v) => [
      v.labels['outcome'],
      v.value,
    ]);
    expect(outcomes).toEqual([['dead_letter', 1]]);
    // Acknowledged once, by the job's own run.
    expect(acked).toEqual([entry]);
  });
});
