export type {
  AdmissionBucket,
  AdmissionQuota,
  AdmissionQuotaResult,
  AdmissionRequest,
  AdmissionResult,
  IncrByOptions,
  Lock,
  MessageHandler,
  SetOptions,
  SingleFlightOptions,
  StateStore,
  StreamAppendOptions,
  StreamClaimOptions,
  StreamEntry,
  StreamPendingReadOptions,
  StreamReadOptions,
  TokenBucketOptions,
  TokenBucketResult,
  Unsubscribe,
} from './state-store.js';
export {
  STATE_STORE_ERROR_CODES,
  StateStoreError,
  StoreError,
  StoreUnavailableError,
  StoreWaitTimeoutError,
  type StateStoreErrorCode,
  type StoreErrorReason,
  type StoreUnavailableReason,
} from './errors.js';
export { silentLogger, type StateLogger } from './logger.js';
export { redactUrl } from './redact-url.js';
export { createStateStore, type CreateStateStoreOptions } from './create-state-store.js';
export {
  createMemoryBackend,
  MemoryStateStore,
  type MemoryBackend,
  type MemoryStateStoreOptions,
} from './memory-store.js';
export { REDIS_DEFAULTS, RedisStateStore, type RedisStateStoreOptions } from './redis-store.js';
export { singleFlightKeys } from './single-flight.js';
