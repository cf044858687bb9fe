import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import { validateToolOutput, type AuditEvent } from '@mcpgw/tool-schemas';
import { collectorClient, waitFor, type CollectorClient } from './support/client.js';
import { makeEvent, prng } from './support/events.js';
import { startCollectorProcess } from './support/processes.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The histogram's guarantee (see latency-sketch.ts): 1 % relative, plus output rounding. */
const RELATIVE = 0.01;
const ABSOLUTE = 0.002;

const ENDPOINTS = ['/v1/pay', '/v1/refund', '/v1/status', '/v1/list', '/v1/auth'];
const STATUS_MIX = [200, 200, 200, 201, 204, 301, 400, 404, 429, 500, 502];

/** Seeds events in bands kept well away from each window's boundary. */
function seed(now: number): AuditEvent[] {
  const random = prng(20240607);
  const bands: Array<[number, number, number]> = [
    [now - 23 * HOUR - 50 * 60_000, now - 60_000, 900],
    [now - 6 * DAY - 20 * HOUR, now - DAY - 10 * 60_000, 700],
    [now - 29 * DAY - 20 * HOUR, now - 7 * DAY - 3 * HOUR, 700],
    [now - 33 * DAY, now - 31 * DAY, 0],
  ];
  const events: AuditEvent[] = [];
  for (const [from, to, count] of bands) {
    for (let i = 0; i < count; i++) {
      const u = random();
      // Mostly exponential around 40 ms, 3 % slow outliers, a few zero durations.
      const duration =
        u < 0.01 ? 0 : u > 0.97 ? 500 + random() * 4_500 : -Math.log(1 - random()) * 40;
      events.push(
        makeEvent({
          api_id: random() < 0.85 ? 'acc-api' : 'other-api',
          timestamp: new Date(from + Math.floor(random() * (to - from))).toISOString(),
          status: STATUS_MIX[Math.floor(random() * STATUS_MIX.length)]!,
          duration_ms: Math.round(duration * 1_000) / 1_000,
          // Skewed so that endpoint counts differ: index ~ square of a uniform number.
          endpoint: ENDPOINTS[Math.floor(random() ** 2 * ENDPOINTS.length)]!,
        }),
      );
    }
  }
  return events;
}

function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? 0;
}

function expectedFor(events: AuditEvent[], from: number) {
  const inside = events.filter((e) => e.api_id === 'acc-api' && Date.parse(e.timestamp) >= from);
  const durations = inside.map((e) => e.duration_ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  const endpoints: Record<string, number> = {};
  for (const e of inside) {
    statuses[String(e.status)] = (statuses[String(e.status)] ?? 0) + 1;
    endpoints[e.endpoint!] = (endpoints[e.endpoint!] ?? 0) + 1;
  }
  const errors = inside.filter((e) => e.status >= 400).length;
  return {
    inside,
    total: inside.length,
    success: inside.filter((e) => e.status >= 200 && e.status < 300).length,
    errors,
    errorRate: errors / inside.length,
    mean: durations.reduce((s, d) => s + d, 0) / durations.length,
    p: {
      p50: nearestRank(durations, 0.5),
      p95: nearestRank(durations, 0.95),
      p99: nearestRank(durations, 0.99),
    },
    statuses,
    endpoints: Object.entries(endpoints)
      .sort(([, a], [, b]) => b - a)
      .map(([path, requests]) => ({ path, requests })),
  };
}

describeWithRedis('analytics of a seeded data set (real process)', (redis) => {
  let proc: ServiceProcess;
  let client: CollectorClient;
  let events: AuditEvent[];
  let now: number;

  beforeAll(async () => {
    proc = await startCollectorProcess({
      REDIS_URL: redis.url,
      COLLECTOR_LATE_EVENT_SECONDS: String(31 * 86_400),
    });
    client = collectorClient(proc.url);
    now = Date.now();
    events = seed(now);
    for (let i = 0; i < events.length; i += 500) {
      const res = await client.postEvents(events.slice(i, i + 500));
      expect(res.status).toBe(200);
    }
    const expected30 = expectedFor(events, now - 29 * DAY - 21 * HOUR).total;
    await waitFor(
      async () =>
        (await client.analytics('acc-api', '30d')).body['total_requests'] === expected30
          ? true
          : undefined,
      30_000,
      200,
    );
  });
  afterAll(async () => {
    await proc?.stop('SIGKILL');
  });

  const check = async (range: '24h' | '7d' | '30d', from: number) => {
    const want = expectedFor(events, from);
    const { status, body } = await client.analytics('acc-api', range);
    expect(status).toBe(200);
    expect(validateToolOutput('tyk_api_analytics', body)).toMatchObject({ ok: true });
    expect(body).toMatchObject({
      api_id: 'acc-api',
      time_range: range,
      total_requests: want.total,
      successful_requests: want.success,
      error_requests: want.errors,
      status_codes: want.statuses,
    });
    expect(body['error_rate']).toBeCloseTo(want.errorRate, 10);
    expect(Math.abs((body['avg_response_time'] as number) - want.mean)).toBeLessThanOrEqual(0.0006);
    const latency = body['latency'] as Record<'p50' | 'p95' | 'p99', number>;
    for (const q of ['p50', 'p95', 'p99'] as const)
      expect(Math.abs(latency[q] - want.p[q])).toBeLessThanOrEqual(want.p[q] * RELATIVE + ABSOLUTE);
    expect(body['top_endpoints']).toEqual(want.endpoints);
    const traffic = body['traffic'] as Array<{ t: string; requests: number; errors: number }>;
    expect(traffic.reduce((s, p) => s + p.requests, 0)).toBe(want.total);
    expect(traffic.reduce((s, p) => s + p.errors, 0)).toBe(want.errors);
    return { body, want, traffic };
  };

  it('matches independently computed counts, error rate and percentiles for 24h, 7d and 30d', async () => {
    for (let pass = 0; pass < 2; pass++) {
      // First pass straight after processing (partly from raw minutes), second after compaction.
      const day = await check('24h', now - 23 * HOUR - 55 * 60_000);
      const perHour: Record<string, number> = {};
      for (const e of day.want.inside) {
        const t = new Date(Math.floor(Date.parse(e.timestamp) / HOUR) * HOUR).toISOString();
        perHour[t] = (perHour[t] ?? 0) + 1;
      }
      for (const point of day.traffic) expect(point.requests).toBe(perHour[point.t] ?? 0);
      expect(day.traffic.length).toBeGreaterThanOrEqual(24);
      await check('7d', now - 6 * DAY - 21 * HOUR);
      await check('30d', now - 29 * DAY - 21 * HOUR);
      if (pass === 0) await new Promise((r) => setTimeout(r, 4_000));
    }
  }, 60_000);

  it('answers zeros for an API without traffic', async () => {
    const { body } = await client.analytics('never-seen-api', '7d');
    expect(body).toMatchObject({
      total_requests: 0,
      error_rate: 0,
      avg_response_time: 0,
      latency: { p50: 0, p95: 0, p99: 0 },
      top_endpoints: [],
      status_codes: {},
    });
    expect(validateToolOutput('tyk_api_analytics', body).ok).toBe(true);
  });
});
