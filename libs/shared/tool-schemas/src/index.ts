export {
  BUILT_IN_TOOLS,
  isBuiltInToolName,
  toolListEntry,
  validateToolInput,
  validateToolOutput,
  type BuiltInToolInputs,
  type BuiltInToolName,
  type BuiltInToolOutputs,
  type McpToolListEntry,
} from './tools/built-in-tools.js';
export type { BuiltInToolDefinition, ToolAnnotations } from './tools/tool-definition.js';
export {
  sentraipThreatCheckTool,
  type ThreatCheckInput,
  type ThreatCheckOutput,
} from './tools/sentraip-threat-check.js';
export {
  TIME_RANGES,
  tykApiAnalyticsTool,
  type ApiAnalytics,
  type ApiAnalyticsInput,
  type TimeRange,
} from './tools/tyk-api-analytics.js';
export {
  claudeContextSearchTool,
  type ContextSearchInput,
  type ContextSearchOutput,
  type ContextSearchResult,
} from './tools/claude-context-search.js';
export {
  THREAT_TARGET_TYPES,
  threatVerdictJsonSchema,
  threatVerdictSchema,
  type ThreatTargetType,
  type ThreatVerdict,
} from './threat-verdict.js';
export { RISK_LEVELS, riskLevelForScore, type RiskLevel } from './risk-level.js';
export {
  AUDIT_ARGUMENTS_MAX_BYTES,
  AUDIT_BATCH_MAX,
  AUDIT_DECISIONS,
  AUDIT_EVENT_TYPES,
  AUDIT_EVENT_VERSION,
  auditEventBatchSchema,
  auditEventSchema,
  validateAuditEvent,
  validateAuditEventBatch,
  type AuditDecision,
  type AuditEvent,
  type AuditEventBatch,
  type AuditEventType,
} from './audit-event.js';
export {
  errorEnvelope,
  errorEnvelopeSchema,
  successEnvelope,
  successEnvelopeSchema,
  type EnvelopeMetadata,
  type ErrorEnvelope,
  type SuccessEnvelope,
} from './envelopes.js';
export { ERROR_CODES, ERROR_HTTP_STATUS, isErrorCode, type ErrorCode } from './error-codes.js';
export {
  STRICT_VALIDATION,
  formatPath,
  isCalendarDate,
  isoTimestamp,
  toFieldErrors,
  validateWith,
  type FieldError,
  type ValidationResult,
} from './joi-helpers.js';
export { JSON_SCHEMA_DIALECT, type JsonObjectSchema, type JsonSchema } from './json-schema.js';
export {
  API_ID_PATTERN,
  HOSTNAME_PATTERN,
  IP_PATTERN,
  IPV4_PATTERN,
  IPV6_PATTERN,
  ISO_TIMESTAMP_PATTERN,
  THREAT_TARGET_PATTERN,
  codePointLength,
  isHostname,
  isIpAddress,
} from './patterns.js';
