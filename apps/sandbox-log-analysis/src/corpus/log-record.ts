/** Normalised severity of a log line. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A field value as kept in the index (JSON primitives only). */
export type FieldValue = string | number | boolean | null;

/** How a line was understood. */
export type LineFormat = 'json' | 'nginx' | 'text';

/** One indexed log line. */
export interface LogRecord {
  readonly file: string;
  /** 1-based line number in its file. */
  readonly line: number;
  readonly format: LineFormat;
  /** Epoch milliseconds, when the line carries a recognisable timestamp. */
  readonly time?: number;
  readonly level?: LogLevel;
  readonly message?: string;
  /** JSON fields (nested objects flattened with dots) or the fields parsed from a known format. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** The line as read (cut at the line-length bound); what `regex` is matched against. */
  readonly raw: string;
}

const LEVEL_WORDS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  verbose: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
};

/** Maps level words (any case) and pino/bunyan numbers (10–60) to a {@link LogLevel}. */
export function normalizeLevel(value: unknown): LogLevel | undefined {
  if (typeof value === 'string') return LEVEL_WORDS[value.trim().toLowerCase()];
  if (typeof value === 'number' && Number.isFinite(value)) {
    const index = Math.floor(value / 10) - 1;
    return LOG_LEVELS[Math.min(Math.max(index, 0), LOG_LEVELS.length - 1)];
  }
  return undefined;
}

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** Epoch ms of an ISO 8601 string, or of epoch seconds/milliseconds given as a number. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value > 100_000_000_000 ? value : value * 1000; // seconds until the year 5138
  }
  if (typeof value !== 'string' || !ISO_PREFIX.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
