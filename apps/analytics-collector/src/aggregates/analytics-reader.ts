import type { StateStore } from '@mcpgw/state';
import type { ApiAnalytics, TimeRange } from '@mcpgw/tool-schemas';
import { quantiles } from './latency-sketch.js';
import { SummaryLoader, type Cell } from './summary-loader.js';
import {
  ALL_APIS,
  emptySummary,
  mergeSummary,
  OTHER,
  type Counts,
  type Summary,
} from './summary.js';
import { DAY_MS, HOUR_MS, hourOf, iso, MINUTE_MS, minuteOf, range } from './time-buckets.js';

/** How each window is read: 24 h at minute precision, the others at hour precision. */
const WINDOWS: Record<TimeRange, { hours: number; pointMs: number }> = {
  '24h': { hours: 24, pointMs: HOUR_MS },
  '7d': { hours: 7 * 24, pointMs: 6 * HOUR_MS },
  '30d': { hours: 30 * 24, pointMs: DAY_MS },
};

/** Endpoints listed in `top_endpoints`. */
export const TOP_ENDPOINTS = 10;

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Loads the cells of a window ending at `now`. 24 h: the 1440 minutes up to and including the
 * current one (whole hours read as hour summaries). 7 d / 30 d: the 168 / 720 hours up to and
 * including the current one.
 */
export async function loadWindow(
  store: StateStore,
  api: string,
  timeRange: TimeRange,
  now: number,
): Promise<Cell[]> {
  const loader = new SummaryLoader(store, api);
  const window = WINDOWS[timeRange];
  if (timeRange !== '24h') {
    const last = hourOf(now);
    return loader.hours(range(last - window.hours + 1, last));
  }
  const toMin = minuteOf(now);
  const fromMin = toMin - 24 * 60 + 1;
  const firstHour = Math.ceil(fromMin / 60);
  const lastHour = Math.floor((toMin + 1) / 60) - 1;
  const [head, body, tail] = await Promise.all([
    loader.minutes(range(fromMin, firstHour * 60 - 1)),
    loader.hours(range(firstHour, lastHour)),
    loader.minutes(range((lastHour + 1) * 60, toMin)),
  ]);
  return [...head, ...body, ...tail];
}

/** Builds the `tyk_api_analytics` answer for `api` over `timeRange` ending at `now`. */
export async function readApiAnalytics(
  store: StateStore,
  api: string,
  timeRange: TimeRange,
  now: number,
): Promise<ApiAnalytics> {
  const cells = await loadWindow(store, api, timeRange, now);
  const total = emptySummary();
  for (const cell of cells) mergeSummary(total, cell.summary);
  const [p50, p95, p99] = quantiles(total.latency, [0.5, 0.95, 0.99]);
  return {
    api_id: api,
    time_range: timeRange,
    total_requests: total.requests,
    successful_requests: total.success,
    error_requests: total.errors,
    error_rate: total.requests === 0 ? 0 : total.errors / total.requests,
    avg_response_time: total.requests === 0 ? 0 : round3(total.latencySum / total.requests),
    latency: { p50: round3(p50 ?? 0), p95: round3(p95 ?? 0), p99: round3(p99 ?? 0) },
    top_endpoints: top(total.endpoints, TOP_ENDPOINTS).map(([path, requests]) => ({
      path,
      requests,
    })),
    status_codes: { ...total.status },
    traffic: traffic(cells, timeRange, now),
    timestamp: new Date(now).toISOString(),
  };
}

/** Counts per API, upstream, tool, client and endpoint over a window (all traffic). */
export interface AnalyticsOverview {
  time_range: TimeRange;
  total_requests: number;
  error_requests: number;
  apis: Array<{ name: string; requests: number }>;
  upstreams: Array<{ name: string; requests: number }>;
  tools: Array<{ name: string; requests: number }>;
  clients: Array<{ name: string; requests: number }>;
  endpoints: Array<{ name: string; requests: number }>;
  timestamp: string;
}

/** Builds the all-traffic breakdown (top 20 per dimension). */
export async function readOverview(
  store: StateStore,
  timeRange: TimeRange,
  now: number,
): Promise<AnalyticsOverview> {
  const total: Summary = emptySummary();
  for (const cell of await loadWindow(store, ALL_APIS, timeRange, now))
    mergeSummary(total, cell.summary);
  const list = (counts: Counts) => top(counts, 20).map(([name, requests]) => ({ name, requests }));
  return {
    time_range: timeRange,
    total_requests: total.requests,
    error_requests: total.errors,
    apis: list(total.apis),
    upstreams: list(total.upstreams),
    tools: list(total.tools),
    clients: list(total.clients),
    endpoints: list(total.endpoints),
    timestamp: new Date(now).toISOString(),
  };
}

function top(counts: Counts, n: number): Array<[string, number]> {
  return Object.entries(counts)
    .filter(([key]) => key !== OTHER)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, n);
}

/** Points of `pointMs` (UTC-aligned) from the window start to now, zeros included. */
function traffic(
  cells: readonly Cell[],
  timeRange: TimeRange,
  now: number,
): ApiAnalytics['traffic'] {
  const { hours, pointMs } = WINDOWS[timeRange];
  const start =
    timeRange === '24h'
      ? (minuteOf(now) - 24 * 60 + 1) * MINUTE_MS
      : (hourOf(now) - hours + 1) * HOUR_MS;
  const first = Math.floor(start / pointMs);
  const points = range(first, Math.floor(now / pointMs)).map((p) => ({
    t: iso(p * pointMs),
    requests: 0,
    errors: 0,
  }));
  for (const cell of cells) {
    const point = points[Math.floor(cell.startMs / pointMs) - first];
    if (!point) continue;
    point.requests += cell.summary.requests;
    point.errors += cell.summary.errors;
  }
  return points;
}
