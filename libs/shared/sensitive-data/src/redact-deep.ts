import { resolveKinds } from './detect.js';
import type { SensitiveKind } from './kinds.js';
import {
  addCounts,
  defaultReplacement,
  redact,
  type RedactionCounts,
  type RedactOptions,
} from './redact.js';

/**
 * Object keys whose string values are secrets whatever they look like (compared lower-cased
 * with `-`, `_`, `.` and spaces removed). Their values are replaced whole and counted as
 * `password`, the kind of secret assignments.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'client_secret',
  'api_key',
  'x-api-key',
  'access_token',
  'refresh_token',
  'id_token',
  'auth_token',
  'session_token',
  'token',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'private_key',
  'secret_access_key',
  'aws_secret_access_key',
]);

/** Options of {@link redactDeep}. */
export interface RedactDeepOptions extends RedactOptions {
  /** Containers nested deeper than this become `"[Truncated]"`; default 64. */
  readonly maxDepth?: number;
  /**
   * Keys whose string values are replaced whole (when `password` is among the kinds); default
   * {@link DEFAULT_SENSITIVE_KEYS}; `[]` turns key-based redaction off.
   */
  readonly sensitiveKeys?: readonly string[];
}

/** Result of {@link redactDeep}. */
export interface RedactDeepResult<T> {
  readonly value: T;
  readonly counts: RedactionCounts;
}

/** Stands for a reference back to an enclosing container (not representable in JSON). */
export const CIRCULAR = '[Circular]';
/** Stands for a container nested deeper than `maxDepth`. */
export const TRUNCATED = '[Truncated]';

const normalizeKey = (key: string) => key.toLowerCase().replace(/[-_. ]/g, '');

interface Walk {
  readonly options: RedactOptions;
  readonly kinds: readonly SensitiveKind[];
  readonly maxDepth: number;
  readonly keys: ReadonlySet<string>;
  readonly replacement: (kind: SensitiveKind) => string;
  readonly counts: Record<string, number>;
  readonly ancestors: Set<object>;
}

/**
 * Redacts every string inside a JSON value (objects, arrays, nested to any depth up to
 * `maxDepth`); keys, numbers, booleans and `null` are kept, so the output is JSON of the same
 * shape. As in `JSON.stringify`, objects with `toJSON` (e.g. `Date`) are converted first, and
 * functions, symbols and `undefined` are dropped from objects and become `null` in arrays.
 * Cycle-safe: a reference to an enclosing container becomes {@link CIRCULAR} (shared, non-cyclic
 * references are walked each time, as `JSON.stringify` does).
 */
export function redactDeep<T>(value: T, options: RedactDeepOptions = {}): RedactDeepResult<T> {
  const kinds = resolveKinds(options.kinds);
  const walk: Walk = {
    options: { ...options, kinds },
    kinds,
    maxDepth: options.maxDepth ?? 64,
    keys: new Set((options.sensitiveKeys ?? DEFAULT_SENSITIVE_KEYS).map(normalizeKey)),
    replacement: options.replacement ?? defaultReplacement,
    counts: {},
    ancestors: new Set(),
  };
  return { value: visit(value, 0, walk) as T, counts: walk.counts };
}

function visit(input: unknown, depth: number, walk: Walk): unknown {
  // toJSON is applied once per value, as JSON.stringify does (a toJSON returning another object
  // with toJSON must not loop)
  const value =
    typeof input === 'object' && input !== null && hasToJson(input) ? input.toJSON() : input;
  if (typeof value === 'string') {
    const result = redact(value, walk.options);
    addCounts(walk.counts, result.counts);
    return result.text;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (walk.ancestors.has(value)) return CIRCULAR;
  if (depth >= walk.maxDepth) return TRUNCATED;
  walk.ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item: unknown) => {
        const out = visit(item, depth + 1, walk);
        return isJsonless(out) ? null : out;
      });
    }
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(value)) {
      const out = visitProperty(key, (value as Record<string, unknown>)[key], depth, walk);
      if (!isJsonless(out)) entries.push([key, out]);
    }
    // fromEntries defines own properties, so a "__proto__" key stays a key
    return Object.fromEntries(entries);
  } finally {
    walk.ancestors.delete(value);
  }
}

function visitProperty(key: string, value: unknown, depth: number, walk: Walk): unknown {
  if (
    typeof value === 'string' &&
    value !== '' &&
    walk.kinds.includes('password') &&
    walk.keys.has(normalizeKey(key))
  ) {
    walk.counts['password'] = (walk.counts['password'] ?? 0) + 1;
    return walk.replacement('password');
  }
  return visit(value, depth + 1, walk);
}

/** Values JSON has no representation for: dropped from objects and `null` in arrays, as in `JSON.stringify`. */
function isJsonless(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
