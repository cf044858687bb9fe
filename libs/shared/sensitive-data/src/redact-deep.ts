import { resolveKinds } from './detect.js';
import type { SensitiveKind } from './kinds.js';
import {
  defaultReplacement,
  redactResolved,
  type RedactionCounts,
  type RedactOptions,
} from './redact.js';
import { DEFAULT_SENSITIVE_KEYS, keyMatcherFor, type KeyMatcher } from './sensitive-keys.js';

/** Options of {@link redactDeep}. */
export interface RedactDeepOptions extends RedactOptions {
  /** Containers nested deeper than this become `"[Truncated]"`; default 64. */
  readonly maxDepth?: number;
  /**
   * Keys whose string values are replaced whole (when `password` is among the kinds); default
   * {@link DEFAULT_SENSITIVE_KEYS}; `[]` turns key-based redaction off.
   */
  readonly sensitiveKeys?: readonly string[];
  /**
   * Applied to every string value and key after the engine's own redaction (not to the
   * whole-value replacements of sensitive keys): a redaction the engine does not know, such as
   * an application's own credential format. It must return its argument when it finds nothing
   * (that is what keeps a container shared); counting its findings is up to the caller.
   */
  readonly extraRedaction?: (text: string) => string;
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

interface Walk {
  readonly kinds: readonly SensitiveKind[];
  readonly maxDepth: number;
  /** Undefined when key-based redaction is off (no `password` kind, or no keys). */
  readonly keys: KeyMatcher | undefined;
  readonly replacement: (kind: SensitiveKind) => string;
  readonly extra: ((text: string) => string) | undefined;
  readonly counts: Record<string, number>;
  /** `ancestors[d]` is the enclosing container at depth `d` (entries deeper than the current one are stale). */
  readonly ancestors: object[];
  /**
   * The children read so far of the containers being walked (a stack, one frame per container),
   * so that a container found to change after all is copied without reading a property twice.
   */
  readonly seen: unknown[];
  /** How many entries of {@link Walk.seen} are in use (entries above are stale, not cleared). */
  top: number;
  /** Keys known to need no redaction under these options (undefined: nothing remembered). */
  readonly cleanKeys: Set<string> | undefined;
}

/** Most clean keys remembered per options object. */
const MAX_CLEAN_KEYS = 4096;
const cleanKeysByOptions = new WeakMap<RedactDeepOptions, Set<string>>();

function cleanKeysFor(options: RedactDeepOptions): Set<string> {
  let keys = cleanKeysByOptions.get(options);
  if (!keys) {
    keys = new Set();
    cleanKeysByOptions.set(options, keys);
  }
  return keys;
}

/** Marks an array hole in {@link Walk.seen}. */
const HOLE: unique symbol = Symbol('hole');

/**
 * Redacts every string inside a JSON value (objects, arrays, nested to any depth up to
 * `maxDepth`), keys included (a key that becomes the same text as an earlier one gets ` (2)`);
 * numbers, booleans and `null` are kept, so the output is JSON of the same shape. As in `JSON.stringify`, objects with `toJSON` (e.g. `Date`) are converted first, and
 * functions, symbols and `undefined` are dropped from objects and become `null` in arrays.
 * Cycle-safe: a reference to an enclosing container becomes {@link CIRCULAR} (shared, non-cyclic
 * references are walked each time, as `JSON.stringify` does).
 *
 * Copy-on-write: a plain object or array in which nothing changes is returned as is (the same
 * object), so a value without findings costs the walk and no copies; any other container is a
 * new plain object or array. The input is never modified, but the output may share parts with
 * it: a caller that goes on to mutate one must not expect the other to stay as it was.
 */
export function redactDeep<T>(value: T, options: RedactDeepOptions = {}): RedactDeepResult<T> {
  // Checked once here, not per string: a walk may meet thousands of strings.
  const kinds = resolveKinds(options.kinds);
  const walk: Walk = {
    kinds,
    maxDepth: options.maxDepth ?? 64,
    keys: kinds.includes('password')
      ? keyMatcherFor(options.sensitiveKeys ?? DEFAULT_SENSITIVE_KEYS)
      : undefined,
    replacement: options.replacement ?? defaultReplacement,
    extra: options.extraRedaction,
    counts: {},
    ancestors: [],
    seen: [],
    top: 0,
    // Options objects are usually made once and reused (the gateway's per-tool policies); a
    // caller's fresh object per call simply remembers nothing for long.
    cleanKeys: cleanKeysFor(options),
  };
  return { value: visit(value, 0, walk) as T, counts: walk.counts };
}

function visit(input: unknown, depth: number, walk: Walk): unknown {
  // toJSON is applied once per value, as JSON.stringify does (a toJSON returning another object
  // with toJSON must not loop)
  const value =
    typeof input === 'object' && input !== null && hasToJson(input) ? input.toJSON() : input;
  if (typeof value === 'string') {
    const redacted = redactResolved(value, walk.kinds, walk.replacement, walk.counts);
    return walk.extra === undefined ? redacted : walk.extra(redacted);
  }
  if (typeof value !== 'object' || value === null) return value;
  const { ancestors } = walk;
  // A scan of the path, not a Set: at most maxDepth comparisons per container, fewer than a
  // Set's hashing costs on the shallow values seen in practice.
  for (let d = 0; d < depth; d += 1) if (ancestors[d] === value) return CIRCULAR;
  if (depth >= walk.maxDepth) return TRUNCATED;
  ancestors[depth] = value;
  return Array.isArray(value)
    ? visitArray(value, depth, walk)
    : visitObject(value as Record<string, unknown>, depth, walk);
}

function visitArray(array: readonly unknown[], depth: number, walk: Walk): unknown {
  const { seen } = walk;
  const frame = walk.top;
  const length = array.length;
  let copy: unknown[] | undefined;
  for (let i = 0; i < length; i += 1) {
    const item = array[i];
    if (item === undefined && !(i in array)) {
      // a hole stays a hole, as with Array#map
      if (copy === undefined) seen[walk.top++] = HOLE;
      continue;
    }
    const visited = visit(item, depth + 1, walk);
    const out = isJsonless(visited) ? null : visited;
    if (copy === undefined) {
      if (Object.is(out, item)) {
        seen[walk.top++] = item;
        continue;
      }
      copy = new Array<unknown>(length);
      for (let j = 0; j < i; j += 1) {
        const earlier = seen[frame + j];
        if (earlier !== HOLE) copy[j] = earlier;
      }
    }
    copy[i] = out;
  }
  walk.top = frame;
  return copy ?? array;
}

function visitObject(object: Record<string, unknown>, depth: number, walk: Walk): unknown {
  const { seen } = walk;
  const frame = walk.top;
  const keys = Object.keys(object);
  // Only plain objects are shared; a class instance or a null-prototype object becomes a plain
  // object of its own enumerable properties, as before copy-on-write.
  let entries: Array<[string, unknown]> | undefined =
    Object.getPrototypeOf(object) === Object.prototype ? undefined : [];
  let renamed = false;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const item = object[key];
    const out = visitProperty(key, item, depth, walk);
    const outKey = redactKey(key, walk);
    const dropped = isJsonless(out);
    if (entries === undefined) {
      if (!dropped && Object.is(out, item) && outKey === key) {
        seen[walk.top++] = item;
        continue;
      }
      entries = [];
      for (let j = 0; j < i; j += 1) entries.push([keys[j] as string, seen[frame + j]]);
    }
    if (outKey !== key) renamed = true;
    if (!dropped) entries.push([outKey, out]);
  }
  walk.top = frame;
  if (entries === undefined) return object;
  // fromEntries defines own properties, so a "__proto__" key stays a key
  return Object.fromEntries(renamed ? distinctKeys(entries) : entries);
}

/**
 * A key redacted like a value: a secret can be a key too (a map of tokens, of e-mail addresses).
 * Keys come back again and again in a walk (`type`, `text`): those found clean are remembered per
 * options object, up to a bound, when short.
 */
function redactKey(key: string, walk: Walk): string {
  if (walk.cleanKeys?.has(key)) return key;
  const redacted = redactResolved(key, walk.kinds, walk.replacement, walk.counts);
  const out = walk.extra === undefined ? redacted : walk.extra(redacted);
  if (out === key && key.length <= 64 && walk.cleanKeys && walk.cleanKeys.size < MAX_CLEAN_KEYS)
    walk.cleanKeys.add(key);
  return out;
}

/** Two keys redacted to the same text would overwrite each other: later ones get ` (2)`, ` (3)`, … */
function distinctKeys(entries: Array<[string, unknown]>): Array<[string, unknown]> {
  const used = new Set<string>();
  return entries.map(([key, value]) => {
    let unique = key;
    for (let n = 2; used.has(unique); n += 1) unique = `${key} (${n})`;
    used.add(unique);
    return [unique, value];
  });
}

function visitProperty(key: string, value: unknown, depth: number, walk: Walk): unknown {
  if (
    walk.keys !== undefined &&
    typeof value === 'string' &&
    value !== '' &&
    walk.keys.matches(key)
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
