import Joi from 'joi';
import { codePointLength, ISO_TIMESTAMP_PATTERN, unicodeRegExp } from './patterns.js';

/** One validation problem, named by its path (`events[3].event_id`, `target`, `(root)`). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Options every contract validation uses: all problems at once, no type coercion (a `"5"` is not
 * a number), unknown keys rejected; defaults are still applied. Labels are not quoted, so
 * messages read `target must ...`.
 */
export const STRICT_VALIDATION: Joi.ValidationOptions = Object.freeze<Joi.ValidationOptions>({
  abortEarly: false,
  convert: false,
  allowUnknown: false,
  errors: { wrap: { label: false } },
});

/**
 * A string whose length is counted in code points, as JSON Schema `minLength`/`maxLength` count
 * (joi's own `min`/`max` count UTF-16 units, which would disagree on emoji and other astral text).
 */
export function codePointString(min: number, max: number): Joi.StringSchema {
  return Joi.string().custom((value: string, helpers) => {
    const length = codePointLength(value);
    if (length < min) return helpers.error('string.min', { limit: min });
    if (length > max) return helpers.error('string.max', { limit: max });
    return value;
  }, `${min}..${max} code points`);
}

/** A string matching a shared pattern source, with a readable message instead of the regex. */
export function patternString(source: string, description: string): Joi.StringSchema {
  return Joi.string()
    .pattern(unicodeRegExp(source))
    .messages({ 'string.pattern.base': `{{#label}} must be ${description}` });
}

/**
 * An ISO 8601 timestamp with offset ({@link ISO_TIMESTAMP_PATTERN}) on a day that exists: the
 * pattern alone takes 2024-02-30, which `Date.parse` quietly reads as 1 March.
 */
export function isoTimestamp(): Joi.StringSchema {
  const description = 'an ISO 8601 timestamp with offset';
  return patternString(ISO_TIMESTAMP_PATTERN, description)
    .custom((value: string, helpers) =>
      isCalendarDate(value) ? value : helpers.error('string.pattern.base'),
    )
    .messages({ 'string.pattern.base': `{{#label}} must be ${description}, on a day that exists` });
}

/** Whether the `YYYY-MM-DD` that `text` starts with is a day of the calendar. */
export function isCalendarDate(text: string): boolean {
  const [year, month, day] = [text.slice(0, 4), text.slice(5, 7), text.slice(8, 10)].map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Formats a joi path: `['events', 3, 'event_id']` → `events[3].event_id`; `[]` → `(root)`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? part : `${out}.${part}`;
  }, '');
}

/** Maps a joi error to field errors (one per detail, in joi's order). */
export function toFieldErrors(error: Joi.ValidationError): FieldError[] {
  return error.details.map((d) => ({ field: formatPath(d.path), message: d.message }));
}

/** Result of validating untrusted input against a contract schema. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

// joi silently drops an own `__proto__` key instead of rejecting it as unknown; find it first so
// no payload can smuggle one past an `additionalProperties: false` contract.
function protoKeys(
  value: unknown,
  path: Array<string | number>,
  out: FieldError[],
  depth = 0,
): void {
  if (typeof value !== 'object' || value === null || depth > 32) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => protoKeys(item, [...path, i], out, depth + 1));
    return;
  }
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) {
    out.push({ field: formatPath([...path, '__proto__']), message: '__proto__ is not allowed' });
  }
  for (const [key, child] of Object.entries(value))
    protoKeys(child, [...path, key], out, depth + 1);
}

/** Validates `input` with {@link STRICT_VALIDATION}; the typed value on success. */
export function validateWith<T>(schema: Joi.Schema, input: unknown): ValidationResult<T> {
  const smuggled: FieldError[] = [];
  protoKeys(input, [], smuggled);
  const { value, error } = schema.validate(input, STRICT_VALIDATION);
  const errors = [...smuggled, ...(error ? toFieldErrors(error) : [])];
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: value as T };
}
