import {
  normalizeLevel,
  parseTimestamp,
  type FieldValue,
  type LineFormat,
  type LogLevel,
} from './log-record.js';
import { parseNginxLine } from './nginx.js';

/** What a line says, independent of where it came from. */
export interface ParsedLine {
  readonly format: LineFormat;
  readonly time?: number;
  readonly level?: LogLevel;
  readonly message?: string;
  readonly fields: Record<string, FieldValue>;
}

const TIME_KEYS = ['timestamp', '@timestamp', 'time', 'ts', 'datetime', 'date'];
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'log.level'];
const MESSAGE_KEYS = ['message', 'msg'];
const MAX_FIELDS = 100;
const MAX_FIELD_DEPTH = 3;

function flatten(
  value: Record<string, unknown>,
  prefix: string,
  depth: number,
  out: Record<string, FieldValue>,
): void {
  for (const [key, inner] of Object.entries(value)) {
    if (Object.keys(out).length >= MAX_FIELDS) return;
    const name = prefix + key;
    if (
      inner === null ||
      typeof inner === 'string' ||
      typeof inner === 'number' ||
      typeof inner === 'boolean'
    ) {
      out[name] = inner;
    } else if (typeof inner === 'object' && !Array.isArray(inner) && depth < MAX_FIELD_DEPTH) {
      flatten(inner as Record<string, unknown>, `${name}.`, depth + 1, out);
    }
  }
}

const first = (fields: Record<string, FieldValue>, keys: readonly string[]) =>
  keys.map((k) => fields[k]).find((v) => v !== undefined && v !== null);

function parseJsonLine(raw: string): ParsedLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields: Record<string, FieldValue> = {};
  flatten(value as Record<string, unknown>, '', 1, fields);
  const message = first(fields, MESSAGE_KEYS);
  return {
    format: 'json',
    time: parseTimestamp(first(fields, TIME_KEYS)),
    level: normalizeLevel(first(fields, LEVEL_KEYS)),
    message: typeof message === 'string' ? message : undefined,
    fields,
  };
}

// "2026-11-20T09:00:02.123Z [ERROR] worker: …" and "2026-11-20 09:00:02,123 WARN …"
const TEXT_TIME =
  /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\]?\s/;
const TEXT_LEVEL =
  /^\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT)\]?:?\s/i;

// logfmt-style pairs in text lines ("job=charge-1005 user=\"bob smith\""), each value bounded
const PAIR = /(?<!\S)([A-Za-z_][A-Za-z0-9_.-]{0,63})=("[^"]{0,1024}"|[^\s"]{1,1024})/g;
const MAX_PAIRS = 32;

function pairsOf(text: string): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  let n = 0;
  for (const m of text.matchAll(PAIR)) {
    const value = m[2] ?? '';
    fields[m[1] ?? ''] = value.startsWith('"') ? value.slice(1, -1) : value;
    if (++n >= MAX_PAIRS) break;
  }
  return fields;
}

function parseTextLine(raw: string): ParsedLine {
  const time = TEXT_TIME.exec(raw);
  if (!time) return { format: 'text', message: raw, fields: pairsOf(raw) };
  const rest = raw.slice(time[0].length);
  const level = TEXT_LEVEL.exec(rest);
  // a space instead of "T" and a comma before the fraction are common; Date.parse wants ISO.
  // Without an offset the time is taken as UTC, so results do not depend on the host's zone.
  const stamp = (time[1] ?? '').replace(' ', 'T').replace(',', '.');
  const iso = /(?:Z|[+-]\d{2}:?\d{2})$/.test(stamp) ? stamp : `${stamp}Z`;
  return {
    format: 'text',
    time: parseTimestamp(iso),
    level: level ? normalizeLevel(level[1]) : undefined,
    message: (level ? rest.slice(level[0].length) : rest).trimStart(),
    fields: pairsOf(rest),
  };
}

/** Understands a JSON object line, an nginx access-log line or a timestamped text line. */
export function parseLine(raw: string): ParsedLine {
  if (raw.startsWith('{')) {
    const json = parseJsonLine(raw);
    if (json) return json;
  }
  return parseNginxLine(raw) ?? parseTextLine(raw);
}
