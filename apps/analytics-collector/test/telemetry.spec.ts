import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryTracing, startTelemetry, type TelemetryHandle } from '@mcpgw/telemetry/node';
import { collectorClient, metricValue, waitFor } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';
import { rulesDir } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('spans and metrics', () => {
  const tracing = createInMemoryTracing();
  let telemetry: TelemetryHandle;
  let running: InProcessCollector;
  let hook: Receiver;
  let dir: Awaited<ReturnType<typeof rulesDir>>;

  beforeAll(async () => {
    telemetry = await startTelemetry({
      serviceName: 'analytics-collector',
      spanProcessors: [tracing.processor],
    });
    [hook, dir] = await Promise.all([startReceiver(), rulesDir()]);
    await dir.write(`
webhooks: [{ id: soc, url: "${hook.url}/h", secret: "0123456789abcdef0" }]
rules: [{ id: threat, when: { field: threat_score, gte: 8 }, actions: { webhooks: [soc] } }]
`);
    running = await startInProcessCollector({ COLLECTOR_CONFIG: dir.file });
  });
  afterAll(async () => {
    await running?.stop();
    await Promise.all([hook?.close(), dir?.cleanup()]);
    await telemetry?.shutdown();
  });

  it('traces ingestion, processing, the incident and its action in the caller trace', async () => {
    const res = await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer collector-test-token-0123456789',
        'content-type': 'application/json',
        traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
      },
      body: JSON.stringify({ events: [makeEvent({ threat_score: 9 }), makeEvent()] }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => hook.requests[0], 10_000);
    expect(hook.requests[0]?.headers['traceparent']).toMatch(new RegExp(`^00-${TRACE_ID}-`));
    await waitFor(async () => {
      await tracing.processor.forceFlush();
      const names = tracing.exporter.getFinishedSpans().map((s) => s.name);
      return [
        'collector.ingest',
        'collector.process',
        'collector.incident',
        'collector.action',
      ].every((n) => names.includes(n))
        ? names
        : undefined;
    }, 10_000);
    const spans = tracing.exporter.getFinishedSpans();
    for (const name of [
      'collector.ingest',
      'collector.process',
      'collector.incident',
      'collector.action',
    ]) {
      const span = spans.find((s) => s.name === name);
      expect(span?.spanContext().traceId, name).toBe(TRACE_ID);
    }
    expect(spans.find((s) => s.name === 'collector.ingest')?.attributes).toMatchObject({
      'collector.batch.events': 2,
      'collector.batch.accepted': 2,
    });
    expect(spans.find((s) => s.name === 'collector.action')?.attributes).toMatchObject({
      'collector.action': 'webhook',
      'collector.target': 'soc',
    });
  });

  it('exposes the ingestion, rule and action metrics', async () => {
    const client = collectorClient(running.url);
    await client.postEvents([{ ...makeEvent(), status: 42 }]);
    await waitFor(async () => {
      const text = await client.metrics();
      return metricValue(text, 'actions_total', { action: 'webhook', outcome: 'success' }) === 1
        ? text
        : undefined;
    }, 10_000);
    const text = await client.metrics();
    expect(metricValue(text, 'events_ingested_total')).toBe(2);
    expect(metricValue(text, 'events_rejected_total', { reason: 'invalid' })).toBe(1);
    expect(metricValue(text, 'rules_matched_total', { rule: 'threat' })).toBe(1);
    expect(metricValue(text, 'webhook_failures_total', { target: 'soc' }) ?? 0).toBe(0);
    expect(metricValue(text, 'ingestion_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('ingest_backlog_entries');
  });
});
