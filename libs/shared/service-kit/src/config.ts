import Joi from 'joi';
import { effectiveSpanBatch, SPAN_BATCH_DEFAULTS, type SpanBatchOptions } from '@mcpgw/telemetry';

/** Raised when the environment does not satisfy a service's config schema. Lists every problem. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|API_KEY|ADMIN_KEY|PRIVATE/i;

/** Shows a rejected value without leaking it: secrets become `***`, URL passwords are masked. */
export function displayEnvValue(name: string, raw: string | undefined): string {
  if (raw === undefined) return '(unset)';
  if (SECRET_NAME.test(name)) return '***';
  // Credentials in a URL end at the last '@' before the host, and may contain '/', '+' or '='.
  const masked = raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s]*@/, '$1***@');
  const shown = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return JSON.stringify(shown);
}

function problemFor(detail: Joi.ValidationErrorItem, schema: Joi.ObjectSchema, env: NodeJS.ProcessEnv): string {
  const name = String(detail.path[0] ?? detail.context?.key ?? 'unknown');
  const described = schema.extract(name)?.describe().flags as { description?: string } | undefined;
  const expectation = described?.description
    ? `must be ${described.description}`
    : detail.message.replace(/^"[^"]*"\s*/, '');
  return `invalid env var ${name}=${displayEnvValue(name, env[name])} (${expectation})`;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Validates the environment once against a joi schema whose keys are variable names, with
 * every problem reported at once (`abortEarly: false`), and returns the frozen result.
 * Throws {@link ConfigError}; callers exit before opening a port.
 */
export function loadConfig<T extends object>(
  schema: Joi.ObjectSchema<T>,
  env: NodeJS.ProcessEnv,
): Readonly<T> {
  // An empty variable (`FOO=`) means "unset", as in most twelve-factor tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const { value, error } = schema.validate(present, {
    abortEarly: false,
    allowUnknown: true,
    stripUnknown: true,
    convert: true,
  });
  if (error) {
    // One line per variable, even when a value breaks several rules (e.g. not an integer and too big).
    const byVariable = new Map<string, string>();
    for (const detail of error.details) {
      const name = String(detail.path[0] ?? detail.context?.key);
      if (!byVariable.has(name)) byVariable.set(name, problemFor(detail, schema, env));
    }
    throw new ConfigError([...byVariable.values()]);
  }
  return deepFreeze(value as T);
}

/** Reusable variable schemas; `description` is what the error message says a value must be. */
export const envVar = {
  port: (defaultPort: number) =>
    Joi.number().integer().min(0).max(65535).default(defaultPort).description('a TCP port 0-65535'),
  host: () =>
    Joi.alternatives()
      .try(Joi.string().ip(), Joi.string().hostname())
      .default('127.0.0.1')
      .description('an IP address or hostname to bind'),
  redisUrl: () =>
    Joi.string().uri({ scheme: ['redis', 'rediss'] }).description('a redis:// or rediss:// URL'),
  httpUrl: () => Joi.string().uri({ scheme: ['http', 'https'] }).description('an http(s):// URL'),
  logLevel: () =>
    Joi.string()
      .valid('error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly')
      .default('info')
      .description('one of error, warn, info, http, verbose, debug, silly'),
  serviceToken: () =>
    Joi.string()
      .min(16)
      .max(512)
      .pattern(/^[\x21-\x7e]+$/)
      .description('a printable token of 16-512 characters'),
  durationMs: (defaultMs: number) =>
    Joi.number().integer().min(0).max(3_600_000).default(defaultMs).description('milliseconds, 0-3600000'),
  bool: (defaultValue: boolean) =>
    Joi.boolean().truthy('1', 'yes', 'on').falsy('0', 'no', 'off').default(defaultValue).description('true or false'),
} as const;

/**
 * Telemetry settings are the one exception to fail-fast config: a bad OTLP endpoint warns and
 * disables export instead of stopping the service.
 */
export function readOtlpEndpoint(env: NodeJS.ProcessEnv): { endpoint?: string; warning?: string } {
  const raw = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!raw) return {};
  const { error } = envVar.httpUrl().validate(raw);
  if (error) {
    return {
      warning: `ignoring OTEL_EXPORTER_OTLP_ENDPOINT=${displayEnvValue('OTEL_EXPORTER_OTLP_ENDPOINT', raw)} (must be an http(s):// URL); trace export disabled`,
    };
  }
  return { endpoint: raw };
}

/**
 * Whether the environment sets `OTEL_*` variables that only the OpenTelemetry NodeSDK applies
 * (`OTEL_TRACES_SAMPLER`, `OTEL_SDK_DISABLED`): telemetry then starts NodeSDK even without an
 * exporter, so they take effect (`startTelemetry`'s `sdkSettingsInEnv`).
 */
export function readOtelSdkSettings(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['OTEL_TRACES_SAMPLER'] || env['OTEL_SDK_DISABLED']);
}

/** The batch span processor's settings an operator may set (`OTEL_BSP_*`); absent keys take the defaults. */
export type SpanBatchSettings = Readonly<SpanBatchOptions>;

const SPAN_BATCH_VARIABLES = [
  { name: 'OTEL_BSP_MAX_QUEUE_SIZE', key: 'maxQueueSize', min: 1, max: 1_000_000 },
  { name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', key: 'maxExportBatchSize', min: 1, max: 1_000_000 },
  { name: 'OTEL_BSP_SCHEDULE_DELAY', key: 'scheduledDelayMillis', min: 0, max: 3_600_000 },
] as const;

/**
 * The standard `OTEL_BSP_*` variables, validated. Left to itself the SDK's batch processor takes
 * any number from them (a queue of 0 drops every span, silently), so telemetry passes every setting
 * explicitly and the service reads them here. Like the OTLP endpoint, a bad value warns and keeps
 * the default instead of stopping the service; a batch larger than the queue warns and is cut to it.
 */
export function readSpanBatchSettings(env: NodeJS.ProcessEnv): { settings: SpanBatchSettings; warnings: string[] } {
  const settings: SpanBatchOptions = {};
  const warnings: string[] = [];
  for (const variable of SPAN_BATCH_VARIABLES) {
    const raw = env[variable.name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw.trim());
    if (/^\d+$/.test(raw.trim()) && value >= variable.min && value <= variable.max) settings[variable.key] = value;
    else {
      warnings.push(
        `ignoring ${variable.name}=${displayEnvValue(variable.name, raw)} (must be a whole number, ${variable.min}-${variable.max}); the default applies`,
      );
    }
  }
  const effective = effectiveSpanBatch(settings);
  const batch = settings.maxExportBatchSize ?? SPAN_BATCH_DEFAULTS.maxExportBatchSize;
  if (effective.maxExportBatchSize < batch) {
    warnings.push(
      `the span export batch (${batch}) is larger than the queue (OTEL_BSP_MAX_QUEUE_SIZE=${effective.maxQueueSize}); batches of ${effective.maxExportBatchSize} are exported`,
    );
    settings.maxExportBatchSize = effective.maxExportBatchSize;
  }
  return { settings, warnings };
}

/** Variables every service reads, keyed by name, for spreading into an app's schema. */
export function serviceEnvKeys(defaultPort: number) {
  return {
    HOST: envVar.host(),
    PORT: envVar.port(defaultPort),
    LOG_LEVEL: envVar.logLevel(),
    LOG_FLUSH_MS: Joi.number()
      .integer()
      .min(0)
      .max(1000)
      .default(10)
      .description('milliseconds a log line may wait to share a write, 0-1000 (0: each at once)'),
    SHUTDOWN_TIMEOUT_MS: envVar.durationMs(10_000),
    SERVICE_VERSION: Joi.string()
      .pattern(/^[0-9A-Za-z.+-]{1,64}$/)
      .default('0.1.0')
      .description('a version string such as 1.2.3'),
  };
}

/** The listening and lifecycle settings shared by every service. */
export interface ServiceBasics {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  /** How long a log line may be held to share one write with others (`LOG_FLUSH_MS`). */
  readonly logFlushMs: number;
  readonly shutdownTimeoutMs: number;
  readonly version: string;
  readonly otlpEndpoint?: string;
  /** `OTEL_TRACES_SAMPLER` or `OTEL_SDK_DISABLED` is set ({@link readOtelSdkSettings}). */
  readonly otelSdkSettings: boolean;
  /** The `OTEL_BSP_*` settings given ({@link readSpanBatchSettings}); applied when spans are exported. */
  readonly spanBatch?: SpanBatchSettings;
  /** Set when a telemetry variable was ignored (several joined by `; `); logged once the logger exists. */
  readonly telemetryWarning?: string;
}

/** Maps validated common variables to {@link ServiceBasics}. */
export function serviceBasics(values: Record<string, unknown>, env: NodeJS.ProcessEnv): ServiceBasics {
  const otlp = readOtlpEndpoint(env);
  const spanBatch = readSpanBatchSettings(env);
  const warnings = [...(otlp.warning ? [otlp.warning] : []), ...spanBatch.warnings];
  return {
    host: String(values['HOST']),
    port: Number(values['PORT']),
    logLevel: String(values['LOG_LEVEL']),
    logFlushMs: Number(values['LOG_FLUSH_MS']),
    shutdownTimeoutMs: Number(values['SHUTDOWN_TIMEOUT_MS']),
    version: String(values['SERVICE_VERSION']),
    otlpEndpoint: otlp.endpoint,
    otelSdkSettings: readOtelSdkSettings(env),
    ...(Object.keys(spanBatch.settings).length > 0 ? { spanBatch: spanBatch.settings } : {}),
    ...(warnings.length > 0 ? { telemetryWarning: warnings.join('; ') } : {}),
  };
}
