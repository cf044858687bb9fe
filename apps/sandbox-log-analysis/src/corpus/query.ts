import type { SafeRegex, StepBudget } from '../safe-regex/safe-regex.js';
import type { FieldValue, LogLevel, LogRecord } from './log-record.js';

/** A validated search; every part optional except the bounds. */
export interface LogQuery {
  /** Inclusive lower bound, epoch ms. */
  readonly from?: number;
  /** Exclusive upper bound, epoch ms. */
  readonly to?: number;
  readonly level?: LogLevel;
  readonly regex?: SafeRegex;
  /** Exact matches, compared as text (`503` matches `"503"`); `null` matches a null field. */
  readonly fields?: Readonly<Record<string, FieldValue>>;
  readonly limit: number;
  readonly groupBy?: string;
  /** Most groups returned (the largest first). */
  readonly maxGroups: number;
}

export interface GroupCount {
  readonly value: string;
  readonly count: number;
}

export interface QueryResult {
  readonly matched: number;
  /** The first `limit` matches, in time order. */
  readonly records: readonly LogRecord[];
  readonly groups?: readonly GroupCount[];
  /** Distinct values seen for `groupBy` (may exceed `groups.length`). */
  readonly distinctGroups?: number;
  /** Matches without the `groupBy` field. */
  readonly missingGroup?: number;
}

/**
 * Looks a field up: `level` is the normalised level and `file` the file name for every format;
 * any other name is a field of the line (`status`, `service`, `http_user_agent`, `a.b` …).
 */
export function fieldOf(record: LogRecord, name: string): FieldValue | undefined {
  if (name === 'level') return record.level;
  if (name === 'file') return record.file;
  return Object.hasOwn(record.fields, name) ? record.fields[name] : undefined;
}

function fieldsMatch(record: LogRecord, wanted: Readonly<Record<string, FieldValue>>): boolean {
  for (const [name, value] of Object.entries(wanted)) {
    const actual = fieldOf(record, name);
    if (actual === undefined) return false;
    if (value === null || actual === null ? actual !== value : String(actual) !== String(value))
      return false;
  }
  return true;
}

/**
 * Runs a query over the records. Cheap filters (time, level, fields) run before the regex, which
 * runs on the linear-time engine and draws on `budget` (shared by the whole query).
 */
export function runQuery(
  records: readonly LogRecord[],
  query: LogQuery,
  budget: StepBudget,
): QueryResult {
  const selected: LogRecord[] = [];
  const groups = new Map<string, number>();
  let matched = 0;
  let missing = 0;
  for (const record of records) {
    if (query.from !== undefined && (record.time === undefined || record.time < query.from))
      continue;
    if (query.to !== undefined && (record.time === undefined || record.time >= query.to)) continue;
    if (query.level !== undefined && record.level !== query.level) continue;
    if (query.fields && !fieldsMatch(record, query.fields)) continue;
    if (query.regex && !query.regex.test(record.raw, budget)) continue;
    matched += 1;
    if (selected.length < query.limit) selected.push(record);
    if (query.groupBy !== undefined) {
      const value = fieldOf(record, query.groupBy);
      if (value === undefined) missing += 1;
      else groups.set(String(value), (groups.get(String(value)) ?? 0) + 1);
    }
  }
  if (query.groupBy === undefined) return { matched, records: selected };
  const sorted = [...groups.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return {
    matched,
    records: selected,
    groups: sorted.slice(0, query.maxGroups),
    distinctGroups: sorted.length,
    missingGroup: missing,
  };
}
