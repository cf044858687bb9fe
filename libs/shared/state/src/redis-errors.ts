import {
  StateStoreError,
  StoreError,
  StoreUnavailableError,
  type StoreErrorReason,
  type StoreUnavailableReason,
} from './errors.js';

/** Server replies that mean "not now" rather than "never": failover, loading, busy, out of memory. */
const UNAVAILABLE_REPLIES: Record<string, StoreUnavailableReason> = {
  LOADING: 'server_busy',
  BUSY: 'server_busy',
  MASTERDOWN: 'server_busy',
  CLUSTERDOWN: 'server_busy',
  TRYAGAIN: 'server_busy',
  READONLY: 'server_busy',
  NOREPLICAS: 'server_busy',
  MISCONF: 'server_busy',
  OOM: 'server_busy',
  NOAUTH: 'auth_failed',
  WRONGPASS: 'auth_failed',
  NOPERM: 'auth_failed',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// ioredis raises these as plain Errors; matching their text is the only way to recognise them.
const CLIENT_MESSAGES: Array<[RegExp, StoreUnavailableReason]> = [
  [/^Command timed out/, 'timeout'],
  [/^Connection is closed/, 'disconnected'],
  [/enableOfflineQueue options is false/, 'disconnected'],
  [/^Ready check failed/, 'disconnected'],
];

const DISCONNECT_ERROR_NAMES = new Set([
  'AbortError',
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
]);

function prop(err: object, name: string): unknown {
  return (err as Record<string, unknown>)[name];
}

/**
 * Maps anything ioredis rejects with to this lib's errors: connection trouble, timeouts and
 * transient server states become {@link StoreUnavailableError}; other server replies
 * (WRONGTYPE, NOGROUP, ERR ...) become {@link StoreError}. The original error is kept as `cause`.
 */
export function toStateStoreError(err: unknown): StateStoreError {
  if (err instanceof StateStoreError) return err;
  if (!(err instanceof Error))
    return new StoreError('command_error', 'state store command failed', { cause: err });
  const name = err.name;
  if (name === 'ReplyError') {
    const word = err.message.split(' ', 1)[0] ?? '';
    const unavailable = UNAVAILABLE_REPLIES[word];
    if (unavailable) return new StoreUnavailableError(unavailable, { cause: err });
    return new StoreError(replyReason(word, err.message), err.message.slice(0, 200), {
      cause: err,
    });
  }
  const code = prop(err, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code))
    return new StoreUnavailableError('disconnected', { cause: err });
  if (DISCONNECT_ERROR_NAMES.has(name))
    return new StoreUnavailableError('disconnected', { cause: err });
  for (const [pattern, reason] of CLIENT_MESSAGES) {
    if (pattern.test(err.message)) return new StoreUnavailableError(reason, { cause: err });
  }
  return new StoreError('command_error', 'state store command failed', { cause: err });
}

function replyReason(word: string, message: string): StoreErrorReason {
  if (word === 'WRONGTYPE') return 'wrong_type';
  if (word === 'NOGROUP') return 'no_group';
  if (/not an integer|would overflow/.test(message)) return 'not_integer';
  return 'command_error';
}
