import winston from 'winston';
import { CoalescingStream } from './coalescing-stream.js';
import { registerJsonLineWriter, type JsonLineWriter } from './json-line.js';
import { jsonLineFormat, lineHeadKeys } from './log-format.js';
import type { SecretPattern } from './redact-patterns.js';
import { createRedaction, type Redaction } from './redact.js';
import { currentTraceIds } from './tracing.js';

/** The logger every service passes around: winston's, with `child(meta)` for request loggers. */
export type Logger = winston.Logger;

export interface CreateLoggerOptions {
  service: string;
  /** npm level name (`error` … `silly`); an unknown value warns and falls back to `info`. */
  level?: string;
  /** Where lines go (default `process.stdout`); tests pass a capturing stream. */
  stream?: NodeJS.WritableStream;
  /** Extra fields on every line (redacted like any meta). */
  base?: object;
  /** Extra sensitive keys on top of `DEFAULT_REDACT_KEYS`. */
  redactKeys?: readonly string[];
  /** Extra value patterns on top of `DEFAULT_SECRET_PATTERNS`. */
  redactPatterns?: readonly SecretPattern[];
  /** Keep error stacks in the log (masked); default: only when `level` is `debug` or more verbose. */
  errorStacks?: boolean;
  /**
   * Lines reach the stream at most this many ms after they are logged, several in one write
   * (`CoalescingStream`; everything held is written at process exit). 0, the default: each line
   * at once.
   */
  flushIntervalMs?: number;
}

const LEVELS = winston.config.npm.levels;

/**
 * Creates a JSON-lines winston logger. Every line carries `timestamp`, `level`, `service`,
 * `message`, the active span's `trace_id`/`span_id` and the redacted meta; errors in meta are
 * serialised as `{ name, message, code }` (plus `stack` only with `errorStacks`).
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const requested = options.level ?? 'info';
  const level = Object.hasOwn(LEVELS, requested) ? requested : 'info';
  const errorStack = options.errorStacks ?? (LEVELS[level] ?? 0) >= (LEVELS['debug'] ?? 5);
  const redaction = createRedaction({
    keys: options.redactKeys,
    patterns: options.redactPatterns,
    errorStack,
  });
  const sink = options.stream ?? process.stdout;
  const interval = options.flushIntervalMs ?? 0;
  const stream =
    Number.isFinite(interval) && interval > 0 ? new CoalescingStream(sink, interval) : sink;
  const transport = new winston.transports.Stream({ stream, eol: '\n' });
  const defaultMeta = { ...options.base, service: options.service };
  const logger = winston.createLogger({
    level,
    levels: LEVELS,
    defaultMeta,
    format: jsonLineFormat({ redaction, errorStack }),
    transports: [transport],
    exitOnError: false,
  });
  stampTraceIdsOnWrite(logger);
  registerJsonLineWriter(
    logger,
    jsonLineWriter({ logger, transport, stream, defaultMeta, redaction, errorStack }),
  );
  if (level !== requested)
    logger.warn('unknown log level, using info', { requested_level: requested });
  return logger;
}

/*
 * The ids are read when the line is written, not in a format: winston runs formats inside its
 * stream, which may buffer and run them later in another async context. Child loggers write
 * through the parent's `write`, so patching the root instance covers them (the approach of
 * @opentelemetry/instrumentation-winston). An active span wins over ids fixed on a child.
 */
function stampTraceIdsOnWrite(logger: winston.Logger): void {
  const write: unknown = logger.write;
  if (typeof write !== 'function') return;
  Object.defineProperty(logger, 'write', {
    configurable: true,
    writable: true,
    value: (chunk: unknown, ...rest: unknown[]): boolean => {
      if (typeof chunk === 'object' && chunk !== null) {
        const ids = currentTraceIds();
        if (ids.trace_id !== undefined) Object.assign(chunk, ids);
      }
      return Boolean(Reflect.apply(write, logger, [chunk, ...rest]));
    },
  });
}

/**
 * The fast path of `logJson`: the line `jsonLineFormat` would write for
 * `logger.log(level, message, { [field]: value })`, built around the caller's JSON. The fields
 * from `defaultMeta` are redacted and serialised once, here.
 */
function jsonLineWriter(options: {
  logger: winston.Logger;
  transport: winston.transport;
  stream: NodeJS.WritableStream;
  defaultMeta: Record<string, unknown>;
  redaction: Redaction;
  errorStack: boolean;
}): JsonLineWriter {
  const { logger, transport, stream, defaultMeta, redaction, errorStack } = options;
  const head = lineHeadKeys();
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(defaultMeta)) {
    if (head.has(key) || (key === 'stack' && !errorStack)) continue;
    rest[key] = defaultMeta[key];
  }
  const reserved = new Set([...head, ...Object.keys(rest), 'stack', '__proto__']);
  const format = logger.format;
  const service = JSON.stringify(redaction.redact(defaultMeta['service']));
  const restJson = JSON.stringify(redaction.redact(rest));
  const restFields = restJson === '{}' ? '' : `,${restJson.slice(1, -1)}`;
  return (level, message, field, value, json) => {
    if (
      logger.silent ||
      transport.silent ||
      !isOnlyTransport(logger, transport) ||
      logger.format !== format ||
      reserved.has(field) ||
      // Integer-like keys come first in an object's key order: the regular line would move them.
      /^\d+$/.test(field) ||
      // winston reads `%` tokens as printf placeholders and then drops the meta: keep its behaviour.
      message.includes('%') ||
      // Wrapped as the format sees it: the field's own name is checked and depths line up.
      !redaction.isClean({ [field]: value })
    )
      return false;
    const ids = currentTraceIds();
    const trace =
      ids.trace_id === undefined ? '' : `,"trace_id":"${ids.trace_id}","span_id":"${ids.span_id}"`;
    stream.write(
      `{"timestamp":"${new Date().toISOString()}","level":${JSON.stringify(level)},"service":${service},"message":${JSON.stringify(redaction.mask(message))}${trace}${restFields},${JSON.stringify(field)}:${json}}\n`,
    );
    return true;
  };
}

/** `logger.transports` builds an array on every read: read it once. */
function isOnlyTransport(logger: winston.Logger, transport: winston.transport): boolean {
  const transports = logger.transports;
  return transports.length === 1 && transports[0] === transport;
}
