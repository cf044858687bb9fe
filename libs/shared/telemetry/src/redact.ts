import {
  combinedHint,
  compilePatterns,
  createKeyMatcher,
  DEFAULT_REDACT_KEYS,
  DEFAULT_SECRET_PATTERNS,
  REDACTED,
  type SecretPattern,
} from './redact-patterns.js';

export interface RedactionOptions {
  /** Extra sensitive keys, added to {@link DEFAULT_REDACT_KEYS}. */
  keys?: readonly string[];
  /** Extra value patterns, added to {@link DEFAULT_SECRET_PATTERNS}. */
  patterns?: readonly SecretPattern[];
  /** Objects nested deeper than this become `"[Truncated]"` (default 10). */
  maxDepth?: number;
  /** Longer strings are cut (after masking) and marked `…[truncated]` (default 16 KiB). */
  maxStringLength?: number;
  /** Keep `Error.stack` (masked) when serialising errors (default false). */
  errorStack?: boolean;
}

/** A configured redactor: `redact` deep-copies any value, `mask` masks one string. */
export interface Redaction {
  redact(value: unknown): unknown;
  mask(text: string): string;
  /**
   * True when `redact(value)` would serialise exactly as `JSON.stringify(value)`: plain JSON
   * data with no sensitive key, no string a pattern could mask (by its hint, or every pattern
   * when one has none) and nothing to cut, cap or convert. Walks without copying; false means
   * "take the copying path", not necessarily that something would change.
   */
  isClean(value: unknown): boolean;
}

/**
 * Builds a redactor. The copy is JSON-safe: values under sensitive keys become `"[REDACTED]"`,
 * secret-looking substrings are masked, errors become `{ name, message, code, cause }`, cycles
 * become `"[Circular]"`, bigints strings, functions and symbols are dropped.
 */
export function createRedaction(options: RedactionOptions = {}): Redaction {
  const isSensitiveKey = createKeyMatcher([...DEFAULT_REDACT_KEYS, ...(options.keys ?? [])]);
  const patterns = compilePatterns([...DEFAULT_SECRET_PATTERNS, ...(options.patterns ?? [])]);
  const maxDepth = options.maxDepth ?? 10;
  const maxStringLength = options.maxStringLength ?? 16_384;
  const errorStack = options.errorStack ?? false;

  const hint = combinedHint(patterns);
  const mask = (text: string): string => {
    let out = text;
    if (!hint) {
      for (const { pattern, replacement } of patterns) out = out.replace(pattern, replacement);
    } else if (hint.test(text)) {
      // Only the patterns whose own hint is present (every pattern has one here).
      for (const p of patterns)
        if (p.hint?.test(out) !== false) out = out.replace(p.pattern, p.replacement);
    }
    return out.length > maxStringLength ? `${out.slice(0, maxStringLength)}…[truncated]` : out;
  };

  // `path` holds the objects on the way down (at most `maxDepth` of them, so a linear scan is
  // cheaper than a WeakSet), so a shared (non-cyclic) reference is kept.
  const walk = (value: unknown, depth: number, path: object[]): unknown => {
    switch (typeof value) {
      case 'string':
        return mask(value);
      case 'number':
      case 'boolean':
        return value;
      case 'bigint':
        return value.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (value === null || typeof value !== 'object') return null;
    if (path.includes(value)) return '[Circular]';
    if (depth >= maxDepth) return '[Truncated]';
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (ArrayBuffer.isView(value)) return `[Binary ${value.byteLength} bytes]`;
    path.push(value);
    try {
      return walkObject(value, depth, path);
    } catch {
      // Hostile proxies and throwing `ownKeys` traps must not lose the whole log line.
      return '[Unserializable]';
    } finally {
      path.pop();
    }
  };

  const walkObject = (value: object, depth: number, path: object[]): unknown => {
    const next = depth + 1;
    if (value instanceof Error) return serializeError(value, next, path);
    if (Array.isArray(value)) return value.map((item) => walk(item, next, path) ?? null);
    if (value instanceof Set) return [...value].map((item) => walk(item, next, path) ?? null);
    if (value instanceof Map) {
      return walkEntries(
        [...value].map(([k, v]) => [String(k), v] as const),
        next,
        path,
      );
    }
    const toJSON: unknown = Reflect.get(value, 'toJSON');
    if (typeof toJSON === 'function') {
      try {
        return walk(Reflect.apply(toJSON, value, []), next, path);
      } catch {
        return '[Unserializable]';
      }
    }
    return walkOwnProperties(value, next, path);
  };

  // The common case (plain objects) without building an entries array first.
  const walkOwnProperties = (
    value: object,
    depth: number,
    path: object[],
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (isSensitiveKey(key)) {
        setOwn(out, key, REDACTED);
        continue;
      }
      let child: unknown;
      try {
        child = Reflect.get(value, key);
      } catch {
        // A throwing getter loses only its own value.
        child = '[Unreadable]';
      }
      const copy = walk(child, depth, path);
      if (copy !== undefined) setOwn(out, key, copy);
    }
    return out;
  };

  const walkEntries = (
    entries: ReadonlyArray<readonly [string, unknown]>,
    depth: number,
    path: object[],
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, child] of entries) {
      const copy = isSensitiveKey(key) ? REDACTED : walk(child, depth, path);
      if (copy !== undefined) setOwn(out, key, copy);
    }
    return out;
  };

  const serializeError = (err: Error, depth: number, path: object[]): Record<string, unknown> => {
    const out: Record<string, unknown> = { name: err.name, message: mask(String(err.message)) };
    const code: unknown = Reflect.get(err, 'code');
    if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
    if (errorStack && typeof err.stack === 'string') out['stack'] = mask(err.stack);
    if (err.cause !== undefined) out['cause'] = walk(err.cause, depth, path);
    return out;
  };

  // A string `mask` would leave as it is: no hint of any pattern, and not over the cap.
  const cleanString = (text: string): boolean =>
    text.length <= maxStringLength && (hint ? !hint.test(text) : patterns.length === 0);

  const isClean = (value: unknown, depth: number): boolean => {
    switch (typeof value) {
      case 'string':
        return cleanString(value);
      case 'number':
      case 'boolean':
        return true;
      case 'object':
        break;
      default:
        return false;
    }
    if (value === null) return true;
    if (depth >= maxDepth) return false;
    if (Array.isArray(value)) {
      for (const item of value) if (!isClean(item, depth + 1)) return false;
      return true;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key of Object.keys(value)) {
      if (isSensitiveKey(key) || !isClean((value as Record<string, unknown>)[key], depth + 1))
        return false;
    }
    return true;
  };

  return { redact: (value) => walk(value, 0, []), mask, isClean: (value) => isClean(value, 0) };
}

/**
 * Adds an own property, also for the key `__proto__` (which plain assignment would turn into the
 * copy's prototype, losing the field), as `JSON.parse` and `JSON.stringify` treat it.
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
}

const defaultRedaction = createRedaction();

/** Redacts a value with the default keys and patterns (see {@link createRedaction}). */
export function redact(value: unknown): unknown {
  return defaultRedaction.redact(value);
}

/** Masks secret-looking substrings (Bearer/Basic credentials, JWTs, API keys, URL passwords). */
export function maskSecrets(text: string): string {
  return defaultRedaction.mask(text);
}
