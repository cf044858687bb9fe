import type winston from 'winston';

/** Writes one pre-serialised line for a logger made by `createLogger`, or says it cannot (false). */
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
 * does, but writes `json` (the caller's `JSON.stringify(value)`) into the line instead of copying,
 * redacting and serialising the value again through winston's pipeline. The line is the same,
 * byte for byte: the fast path is taken only when the redaction would change nothing (see
 * `Redaction.isClean`), the logger is one `createLogger` made, still with only its own transport,
 * and `field` is not one of the line's other fields; otherwise the value takes the regular path.
 * For lines written per request (the gateway's audit events), where the caller serialises the
 * value anyway.
 */
export function logJson(
  logger: winston.Logger,
  level: string,
  message: string,
  field: string,
  value: unknown,
  json: string,
): void {
  if (writers.get(logger)?.(level, message, field, value, json)) return;
  logger.log(level, message, { [field]: value });
}
