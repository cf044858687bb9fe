import { withSpan } from '@mcpgw/telemetry';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { afterEach, describe, expect, it } from 'vitest';
import { occurrences, startCollectorSink } from './processes.js';

type Sink = Awaited<ReturnType<typeof startCollectorSink>>;

describe('occurrences', () => {
  it('counts non-overlapping occurrences and nothing in text without the needle', () => {
    expect(occurrences('"spanId":"a","parentSpanId":"b","spanId":"c"', '"spanId"')).toBe(2);
    expect(occurrences('aaaa', 'aa')).toBe(2);
    expect(occurrences('', '"spanId"')).toBe(0);
  });
});

describe('the collector stand-in', () => {
  let sink: Sink | undefined;
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
  });

  it('counts the spans the gateway telemetry exports over OTLP/HTTP to /v1/traces, apart from audit events', async () => {
    sink = await startCollectorSink();
    const warnings: string[] = [];
    const telemetry = await startTelemetry({
      serviceName: 'bench-test',
      otlpEndpoint: sink.url,
      logger: { warn: (message) => warnings.push(message) },
    });
    await withSpan('tools/call bench__echo', {}, () =>
      withSpan('upstream bench', {}, () => Promise.resolve()),
    );
    await withSpan('tools/list', {}, () => Promise.resolve());
    await telemetry.shutdown();

    expect(warnings).toEqual([]);
    expect(sink.spans()).toBe(3);
    expect(sink.events()).toBe(0);
  });

  it('counts audit events and their error decisions on any other path', async () => {
    sink = await startCollectorSink();
    const events = [
      { event_id: '1', decision: 'allow' },
      { event_id: '2', decision: 'error' },
      { event_id: '3', decision: 'allow' },
    ];
    const res = await fetch(`${sink.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });

    expect(res.status).toBe(202);
    expect(sink.events()).toBe(3);
    expect(sink.errors()).toBe(1);
    expect(sink.spans()).toBe(0);
  });
});
