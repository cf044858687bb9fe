export { SENSITIVE_KINDS, isSensitiveKind, type SensitiveKind } from './kinds.js';
export { detect, type DetectOptions, type Finding } from './detect.js';
export {
  defaultReplacement,
  redact,
  type RedactionCounts,
  type RedactOptions,
  type RedactResult,
} from './redact.js';
export { DEFAULT_SENSITIVE_KEYS } from './sensitive-keys.js';
export {
  CIRCULAR,
  redactDeep,
  TRUNCATED,
  type RedactDeepOptions,
  type RedactDeepResult,
} from './redact-deep.js';
export { SensitiveDataError, type SensitiveDataErrorCode } from './errors.js';
export { ibanChecksumValid, luhnValid } from './checksums.js';
