import { describe, expect, it } from 'vitest';
import { compileSafeRegex } from '../safe-regex/safe-regex.js';
import type { LogRecord } from './log-record.js';
import { parseLine } from './parse-line.js';
import { fieldOf, runQuery, type LogQuery } from './query.js';

const LINES = [
  '{"timestamp":"2026-11-20T08:00:00Z","level":"error","service":"api","status":503,"message":"upstream timeout"}',
  '{"timestamp":"2026-11-20T08:10:00Z","level":"info","service":"api","status":200,"message":"ok"}',
  '{"timestamp":"2026-11-20T08:20:00Z","level":"error","service":"worker","status":500,"message":"Timeout in job"}',
  '203.0.113.7 - - [20/Nov/2026:08:30:00 +0000] "GET /admin HTTP/1.1" 401 12 "-" "sqlmap/1.8"',
  'no time here, error-ish text',
];
const RECORDS: LogRecord[] = LINES.map((raw, i) => ({
  file: i < 3 ? 'app.jsonl' : 'other.log',
  line: i + 1,
  raw,
  ...parseLine(raw),
}));
const base: LogQuery = { limit: 10, maxGroups: 10 };
const budget = () => ({ remaining: 1_000_000 });
const lines = (q: Partial<LogQuery>) =>
  runQuery(RECORDS, { ...base, ...q }, budget()).records.map((r) => r.line);

describe('runQuery', () => {
  it('filters by time range (from inclusive, to exclusive), untimed lines excluded', () => {
    expect(lines({ from: Date.parse('2026-11-20T08:10:00Z') })).toEqual([2, 3, 4]);
    expect(lines({ to: Date.parse('2026-11-20T08:20:00Z') })).toEqual([1, 2]);
  });

  it('filters by level, fields (compared as text) and regex', () => {
    expect(lines({ level: 'error' })).toEqual([1, 3]);
    expect(lines({ fields: { service: 'api', status: '503' } })).toEqual([1]);
    expect(lines({ fields: { status: 401, file: 'other.log' } })).toEqual([4]);
    expect(lines({ fields: { missing: null } })).toEqual([]);
    expect(lines({ regex: compileSafeRegex('timeout') })).toEqual([1]);
    expect(lines({ regex: compileSafeRegex('timeout', { ignoreCase: true }) })).toEqual([1, 3]);
  });

  it('counts matches per value of a field, largest first, and bounds the groups', () => {
    const result = runQuery(RECORDS, { ...base, groupBy: 'service', limit: 0 }, budget());
    expect(result).toEqual({
      matched: 5,
      records: [],
      groups: [
        { value: 'api', count: 2 },
        { value: 'worker', count: 1 },
      ],
      distinctGroups: 2,
      missingGroup: 2,
    });
    const byLevel = runQuery(RECORDS, { ...base, groupBy: 'level', maxGroups: 1 }, budget());
    expect(byLevel.groups).toEqual([{ value: 'error', count: 2 }]);
    expect(byLevel.distinctGroups).toBe(3);
    expect(byLevel.missingGroup).toBe(1); // the plain line has no level
  });

  it('exposes level and file as fields of every record', () => {
    expect(fieldOf(RECORDS[3] as LogRecord, 'level')).toBe('warn');
    expect(fieldOf(RECORDS[3] as LogRecord, 'file')).toBe('other.log');
    expect(fieldOf(RECORDS[0] as LogRecord, 'constructor')).toBeUndefined();
  });

  it('shares one step budget across the whole query', () => {
    expect(() =>
      runQuery(RECORDS, { ...base, regex: compileSafeRegex('(a|b)*z') }, { remaining: 50 }),
    ).toThrow(/budget/);
  });
});
