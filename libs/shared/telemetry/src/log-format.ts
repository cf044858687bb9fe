import winston from 'winston';
import type { Redaction } from './redact.js';

// triple-beam's symbols (winston's own dependency) are registered globally under these names.
const MESSAGE = Symbol.for('message');

// Fields the line always starts with, in this order; the rest follows redacted.
const HEAD = new Set(['timestamp', 'level', 'service', 'message', 'trace_id', 'span_id']);

/** The fields every line starts with (`logJson` builds the same head). */
export function lineHeadKeys(): ReadonlySet<string> {
  return HEAD;
}

export interface JsonLineFormatOptions {
  redaction: Redaction;
  /** Keep stack traces (masked) in the line; otherwise a top-level `stack` is dropped. */
  errorStack: boolean;
}

/**
 * The final winston format: one JSON object per line with `timestamp` (ISO), `level`,
 * `service`, `message`, `trace_id`/`span_id` when known, then the structured meta — all of it
 * passed through the redaction, so no field escapes masking.
 */
export function jsonLineFormat(options: JsonLineFormatOptions): winston.Logform.Format {
  const { redaction, errorStack } = options;
  return winston.format((info) => {
    const line: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      level: info.level,
      service: redaction.redact(info['service']),
      message:
        typeof info.message === 'string'
          ? redaction.mask(info.message)
          : redaction.redact(info.message),
    };
    if (typeof info['trace_id'] === 'string') line['trace_id'] = info['trace_id'];
    if (typeof info['span_id'] === 'string') line['span_id'] = info['span_id'];

    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(info)) {
      if (HEAD.has(key) || (key === 'stack' && !errorStack)) continue;
      rest[key] = info[key];
    }
    // `logger.error(err)` hands winston the Error itself as the info object.
    if (info instanceof Error) rest['err'] = info;
    Object.assign(line, redaction.redact(rest));
    info[MESSAGE] = JSON.stringify(line);
    return info;
  })();
}
