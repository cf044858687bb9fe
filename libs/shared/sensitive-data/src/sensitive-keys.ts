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

const normalizeKey = (key: string) => key.toLowerCase().replace(/[-_. ]/g, '');

/** Answers whether an object key names a secret; see {@link keyMatcherFor}. */
export interface KeyMatcher {
  matches(key: string): boolean;
  /** How many answers it remembers (bounded in count, and only keys up to 64 characters). */
  remembered(): number;
}

// The same few keys (`type`, `text`, …) come back on every call: remembering the answer saves a
// lower-casing and a regex replace per string property. Bounded, because keys come from
// untrusted data; clearing it only costs the next lookups.
const MEMO_LIMIT = 1024;
/** Longer keys are answered without being remembered: the memo must not hold megabytes of keys. */
const MEMO_MAX_KEY_LENGTH = 64;

class NormalizedKeyMatcher implements KeyMatcher {
  private readonly normalized: ReadonlySet<string>;
  private readonly memo = new Map<string, boolean>();

  constructor(keys: readonly string[]) {
    this.normalized = new Set(keys.map(normalizeKey));
  }

  matches(key: string): boolean {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const answer = this.normalized.has(normalizeKey(key));
    if (key.length > MEMO_MAX_KEY_LENGTH) return answer;
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(key, answer);
    return answer;
  }

  remembered(): number {
    return this.memo.size;
  }
}

// Only frozen lists are cached (the default one is): a list the caller can still change
// must be read again on each call.
const frozenMatchers = new WeakMap<readonly string[], KeyMatcher>();

/**
 * The matcher of `keys`, or `undefined` when the list is empty (key-based redaction off). Built
 * once per frozen list (such as {@link DEFAULT_SENSITIVE_KEYS}), per call otherwise.
 */
export function keyMatcherFor(keys: readonly string[]): KeyMatcher | undefined {
  if (keys.length === 0) return undefined;
  if (!Object.isFrozen(keys)) return new NormalizedKeyMatcher(keys);
  let matcher = frozenMatchers.get(keys);
  if (matcher === undefined) {
    matcher = new NormalizedKeyMatcher(keys);
    frozenMatchers.set(keys, matcher);
  }
  return matcher;
}
