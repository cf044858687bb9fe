import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { listen, type RunningServer } from '@mcpgw/service-kit';
import { MemoryStateStore } from '@mcpgw/state';
import { ATTR_SENTRAIP_RISK_SCORE } from '@mcpgw/telemetry';
import { createInMemoryTracing, startTelemetry, type TelemetryHandle } from '@mcpgw/telemetry/node';
import type { ServiceProcess } from '@mcpgw/testing';
import { createBrokerApp } from '../src/app.js';
import { createBrokerComponents, type BrokerComponents } from '../src/broker.js';
import { readBrokerConfig } from '../src/config.js';
import { capturingLogger, testRegistry } from './support/fakes.js';
import {
  BrokerClient,
  CLIENT_ID,
  CLIENT_SECRET,
  expectNoSecrets,
  SERVICE_TOKEN,
  startSimulator,
} from './support/processes.js';

describe('broker telemetry (in-process app from createBrokerApp, simulator process)', () => {
  const tracing = createInMemoryTracing();
  let telemetry: TelemetryHandle;
  let sim: ServiceProcess;
  let components: BrokerComponents;
  let running: RunningServer;
  let client: BrokerClient;
  let store: MemoryStateStore;
  const { logger, lines } = capturingLogger();

  beforeAll(async () => {
    telemetry = await startTelemetry({
      serviceName: 'sentraip-oauth-broker',
      spanProcessors: [tracing.processor],
    });
    sim = await startSimulator();
    const config = readBrokerConfig({
      SENTRAIP_BASE_URL: sim.url,
      SENTRAIP_CLIENT_ID: CLIENT_ID,
      SENTRAIP_CLIENT_SECRET: CLIENT_SECRET,
      BROKER_SERVICE_TOKEN: SERVICE_TOKEN,
      LOG_LEVEL: 'debug',
    });
    const registry = testRegistry();
    store = new MemoryStateStore({ keyPrefix: 'brk:' });
    components = createBrokerComponents({ config, logger, registry, store });
    const app = createBrokerApp({
      config,
      logger,
      registry,
      store,
      components,
      isShuttingDown: () => false,
    });
    running = await listen(app, { host: '127.0.0.1', port: 0 });
    client = new BrokerClient(running.url);
  });
  afterAll(async () => {
    client?.close();
    await running?.drain(1_000);
    await components?.close();
    await store?.close();
    await sim?.stop();
    await telemetry?.shutdown();
  });

  it('records the lookup span with sentraip.risk_score, under the caller trace, with a client span per SentraIP call', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = await client.lookup('ip', '203.0.113.9', {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(answer.body).toMatchObject({ threat_score: 9 });
    await tracing.processor.forceFlush();
    const spans = tracing.exporter
      .getFinishedSpans()
      .filter((s) => s.spanContext().traceId === traceId);
    const lookup = spans.find((s) => s.name === 'threat.lookup');
    expect(lookup?.attributes).toMatchObject({
      [ATTR_SENTRAIP_RISK_SCORE]: 9,
      'sentraip.risk_level': 'critical',
      'sentraip.cached': false,
      'sentraip.degraded': false,
    });
    const call = spans.find((s) => s.name === 'sentraip.threat_lookup');
    expect(call?.kind).toBe(SpanKind.CLIENT);
    expect(call?.attributes).toMatchObject({
      [ATTR_SENTRAIP_RISK_SCORE]: 9,
      'http.response.status_code': 200,
    });
    // The simulator continued the same trace.
    await expect
      .poll(() =>
        sim.logRecords().find((r) => r['path'] === '/v1/threat-intelligence/ip/203.0.113.9'),
      )
      .toMatchObject({ trace_id: traceId });
  });

  it('marks a degraded lookup on its span', async () => {
    await sim.stop();
    const answer = await client.lookup('ip', '192.0.2.99');
    expect(answer.body).toMatchObject({ degraded: true, risk_level: 'unknown' });
    await tracing.processor.forceFlush();
    const lookup = tracing.exporter
      .getFinishedSpans()
      .find((s) => s.name === 'threat.lookup' && s.attributes['sentraip.degraded'] === true);
    expect(lookup?.attributes).toMatchObject({
      'sentraip.risk_level': 'unknown',
      'sentraip.degraded_reason': expect.any(String),
    });
    expect(lookup?.attributes[ATTR_SENTRAIP_RISK_SCORE]).toBeUndefined();
  });

  it('puts no secret or token into logs or span attributes', async () => {
    await tracing.processor.forceFlush();
    const spanText = JSON.stringify(
      tracing.exporter
        .getFinishedSpans()
        .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    );
    expectNoSecrets([...lines, spanText, ...sim.lines()]);
    expect(lines.some((l) => l.includes('SentraIP token obtained'))).toBe(true);
  });
});
