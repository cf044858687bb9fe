import { addToBins, binOf, mergeBins, type SketchBins } from './latency-sketch.js';
import { decodeRecord, type AggregateRecord } from './raw-record.js';

/** Count per label value. */
export type Counts = Record<string, number>;

/**
 * Aggregates of one API (or of all traffic, key {@link ALL_APIS}) over one bucket. Tyk's
 * semantics: success is a 2xx status, an error a status of 400 or more; 1xx/3xx are neither.
 */
export interface Summary {
  requests: number;
  success: number;
  errors: number;
  /** Sum of durations (ms), for the exact mean. */
  latencySum: number;
  latency: SketchBins;
  status: Counts;
  endpoints: Counts;
  tools: Counts;
  clients: Counts;
  upstreams: Counts;
  /** Only filled in the all-traffic summary. */
  apis: Counts;
}

/** Key of the all-traffic summary (never a valid API id). */
export const ALL_APIS = '*';
/** Distinct values kept per dimension; the rest are summed into {@link OTHER}. */
export const MAX_VALUES_PER_DIMENSION = 200;
export const OTHER = '(other)';

const DIMENSIONS = ['endpoints', 'tools', 'clients', 'upstreams', 'apis'] as const;

/**
 * Counts keyed by caller-chosen names (endpoints, tools, clients, ...) have no prototype: a tool
 * named `constructor` would otherwise start from Object's function, and `__proto__` be lost.
 */
const noPrototype = (from: Counts = {}): Counts =>
  Object.assign(Object.create(null) as Counts, from);

/** An empty summary. */
export function emptySummary(): Summary {
  return {
    requests: 0,
    success: 0,
    errors: 0,
    latencySum: 0,
    latency: {},
    status: {},
    endpoints: noPrototype(),
    tools: noPrototype(),
    clients: noPrototype(),
    upstreams: noPrototype(),
    apis: noPrototype(),
  };
}

const bump = (counts: Counts, key: string | undefined, by = 1): void => {
  if (key !== undefined)
    counts[key] = (Object.hasOwn(counts, key) ? (counts[key] as number) : 0) + by;
};

/** Adds one record. */
export function addRecord(s: Summary, r: AggregateRecord, withApi: boolean): void {
  s.requests++;
  if (r.status >= 200 && r.status < 300) s.success++;
  if (r.status >= 400) s.errors++;
  s.latencySum += r.durationMs;
  addToBins(s.latency, binOf(r.durationMs));
  bump(s.status, String(r.status));
  bump(s.endpoints, r.endpoint);
  bump(s.tools, r.tool);
  bump(s.clients, r.client);
  bump(s.upstreams, r.upstream);
  if (withApi) bump(s.apis, r.api);
}

/** Adds `from` into `into` (exact for counts and histograms). */
export function mergeSummary(into: Summary, from: Summary): void {
  into.requests += from.requests;
  into.success += from.success;
  into.errors += from.errors;
  into.latencySum += from.latencySum;
  mergeBins(into.latency, from.latency);
  for (const [code, n] of Object.entries(from.status)) bump(into.status, code, n);
  for (const dim of DIMENSIONS)
    for (const [key, n] of Object.entries(from[dim])) bump(into[dim], key, n);
}

/** Keeps the busiest values of each dimension so a summary's size stays bounded. */
export function capSummary(s: Summary): Summary {
  for (const dim of DIMENSIONS) s[dim] = capCounts(s[dim], MAX_VALUES_PER_DIMENSION);
  return s;
}

/** The `max` largest entries (ties by key), the rest summed under {@link OTHER}. */
export function capCounts(counts: Counts, max: number): Counts {
  const entries = Object.entries(counts);
  if (entries.length <= max) return counts;
  entries.sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const kept: Counts = noPrototype(Object.fromEntries(entries.slice(0, max - 1)));
  const rest = entries.slice(max - 1).reduce((sum, [, n]) => sum + n, 0);
  kept[OTHER] = (Object.hasOwn(kept, OTHER) ? (kept[OTHER] as number) : 0) + rest;
  return kept;
}

/**
 * Builds the summaries of one raw minute hash (field = encoded record): one per API plus the
 * all-traffic one. Deterministic in the set of fields, so recomputing is always safe.
 */
export function summariesFromRaw(raw: Record<string, string>): Map<string, Summary> {
  const out = new Map<string, Summary>([[ALL_APIS, emptySummary()]]);
  const seen = new Set<string>();
  for (const field of Object.keys(raw).sort()) {
    const record = decodeRecord(field);
    if (!record || seen.has(record.id)) continue;
    seen.add(record.id);
    addRecord(out.get(ALL_APIS) as Summary, record, true);
    if (record.api === undefined) continue;
    let perApi = out.get(record.api);
    if (!perApi) out.set(record.api, (perApi = emptySummary()));
    addRecord(perApi, record, false);
  }
  for (const s of out.values()) capSummary(s);
  return out;
}

/** Parses a stored summary; undefined when missing or unreadable. */
export function parseSummary(text: string | null): Summary | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || typeof Reflect.get(value, 'requests') !== 'number')
      return undefined;
    const summary: Summary = { ...emptySummary(), ...(value as Partial<Summary>) };
    for (const dim of DIMENSIONS) summary[dim] = noPrototype(summary[dim]);
    return summary;
  } catch {
    return undefined;
  }
}
