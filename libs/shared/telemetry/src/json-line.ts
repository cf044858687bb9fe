import type winston from 'winston';

/**
 * Writes one pre-serialised line for a logger made by `createLogger`, or says it cannot (false).
 * Called only for a level the logger writes (`logJson` checks).
 */
export type JsonLineWriter = (
  level: string,
  message: string,
  field: string,
  value: unknown,
  json: string,
) => boolean;

const writers = new WeakMap<winston.Logger, JsonLineWriter>();

/** Called by `createLogger` for each logger it makes. */
export function registerJsonLineWriter(logger: winston.Logger, writer: JsonLineWriter): void {
  writers.set(logger, writer);
}

/**
 * Logs `message` with `{ [field]: value }` as `logger.log(level, message, { [field]: value })`
 * does, and returns `JSON.stringify(value)`, for callers that need the value serialised anyway
 * (the gateway's audit events, once per request: the same text goes to the outbox). The line is
 * the regular one, byte for byte, but built around that text instead of copying, redacting and
 * serialising the value again through winston's pipeline. That path is taken only when the
 * redaction would change nothing (see `Redaction.isClean`), the logger is one `createLogger` made,
 * still with only its own transport and format, and `field` is not one of the line's other
 * fields; otherwise the value takes the regular path. Nothing is written below the logger's level.
 */
export function logJson(
  logger: winston.Logger,
  level: string,
  message: string,
  field: string,
  value: unknown,
): string {
  const json = JSON.stringify(value);
  // winston would build the line and stream it before its level filter drops it.
  if (!logger.isLevelEnabled(level)) return json;
  if (!writers.get(logger)?.(level, message, field, value, json))
    logger.log(level, message, { [field]: value });
  return json;
}
