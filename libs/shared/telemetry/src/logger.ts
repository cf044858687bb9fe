import winston from 'winston';
import { jsonLineFormat } from './log-format.js';
import type { SecretPattern } from './redact-patterns.js';
import { createRedaction } from './redact.js';
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
  const logger = winston.createLogger({
    level,
    levels: LEVELS,
    defaultMeta: { ...options.base, service: options.service },
    format: jsonLineFormat({ redaction, errorStack }),
    transports: [
      new winston.transports.Stream({ stream: options.stream ?? process.stdout, eol: '\n' }),
    ],
    exitOnError: false,
  });
  stampTraceIdsOnWrite(logger);
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
