import Joi from 'joi';
import {
  ConfigError,
  envVar,
  loadConfig,
  serviceBasics,
  serviceEnvKeys,
  type ServiceBasics,
} from '@mcpgw/service-kit';
import { AUDIT_BATCH_MAX } from '@mcpgw/tool-schemas';

const DAY_S = 86_400;

const int = (min: number, max: number, fallback: number, unit = '') =>
  Joi.number()
    .integer()
    .min(min)
    .max(max)
    .default(fallback)
    .description(`an integer ${min}-${max}${unit}`);

const schema = Joi.object({
  ...serviceEnvKeys(8083),
  REDIS_URL: envVar.redisUrl(),
  COLLECTOR_CONFIG: Joi.string().max(4096).description('a path to the collector rules YAML file'),
  COLLECTOR_SERVICE_TOKEN: envVar.serviceToken(),
  GATEWAY_URL: envVar.httpUrl().default('http://127.0.0.1:8080'),
  GATEWAY_SERVICE_TOKEN: envVar.serviceToken(),
  COLLECTOR_MAX_BATCH_EVENTS: int(1, AUDIT_BATCH_MAX, AUDIT_BATCH_MAX),
  COLLECTOR_MAX_BATCH_BYTES: int(1_024, 10_485_760, 1_048_576, ' (bytes)'),
  COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: int(1, 1_000_000, 2_000),
  COLLECTOR_RATE_LIMIT_BURST: int(1, 10_000_000, 10_000),
  COLLECTOR_DEDUP_WINDOW_SECONDS: int(60, 30 * DAY_S, DAY_S, ' (seconds)'),
  COLLECTOR_LATE_EVENT_SECONDS: int(60, 31 * DAY_S, 3_600, ' (seconds)'),
  COLLECTOR_AUDIT_MAX_EVENTS: int(100, 10_000_000, 100_000),
  COLLECTOR_AUDIT_RETENTION_SECONDS: int(60, 90 * DAY_S, 7 * DAY_S, ' (seconds)'),
  COLLECTOR_CLAIM_IDLE_MS: int(500, 600_000, 15_000, ' (ms)'),
  COLLECTOR_RULES_POLL_MS: int(100, 60_000, 1_000, ' (ms)'),
});

/** Ingestion limits of `POST /v1/events`. */
export interface IngestLimits {
  readonly maxBatchEvents: number;
  readonly maxBatchBytes: number;
  /** Token bucket per caller, in events. */
  readonly ratePerSecond: number;
  readonly rateBurst: number;
}

export interface CollectorConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly rulesFile?: string;
  /** Token callers (the gateway's relay, the gateway's analytics tool) must present. */
  readonly serviceToken?: string;
  readonly gateway: { readonly url: string; readonly serviceToken?: string };
  readonly ingest: IngestLimits;
  /** How long an event id is remembered for deduplication. */
  readonly dedupWindowMs: number;
  /** Events older than this when processed are not added to the aggregates. */
  readonly lateEventMs: number;
  readonly audit: { readonly maxEvents: number; readonly retentionMs: number };
  /** A stream entry delivered to a consumer that stays unacknowledged this long is taken over. */
  readonly claimIdleMs: number;
  /** How often the rules file is checked for changes. */
  readonly rulesPollMs: number;
}

/** Reads and validates the collector's environment once; throws ConfigError naming each bad variable. */
export function readCollectorConfig(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const v = loadConfig<Record<string, string | number | undefined>>(schema, env);
  const num = (name: string) => Number(v[name]);
  const str = (name: string) => (v[name] === undefined ? undefined : String(v[name]));
  const ingest: IngestLimits = {
    maxBatchEvents: num('COLLECTOR_MAX_BATCH_EVENTS'),
    maxBatchBytes: num('COLLECTOR_MAX_BATCH_BYTES'),
    ratePerSecond: num('COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND'),
    rateBurst: num('COLLECTOR_RATE_LIMIT_BURST'),
  };
  // A burst below the batch size would refuse every full batch forever.
  if (ingest.rateBurst < ingest.maxBatchEvents) {
    throw new ConfigError([
      `invalid env var COLLECTOR_RATE_LIMIT_BURST=${JSON.stringify(String(ingest.rateBurst))} (must be at least COLLECTOR_MAX_BATCH_EVENTS=${ingest.maxBatchEvents})`,
    ]);
  }
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: str('REDIS_URL'),
    rulesFile: str('COLLECTOR_CONFIG'),
    serviceToken: str('COLLECTOR_SERVICE_TOKEN'),
    gateway: Object.freeze({
      url: String(v['GATEWAY_URL']),
      serviceToken: str('GATEWAY_SERVICE_TOKEN'),
    }),
    ingest: Object.freeze(ingest),
    dedupWindowMs: num('COLLECTOR_DEDUP_WINDOW_SECONDS') * 1_000,
    lateEventMs: num('COLLECTOR_LATE_EVENT_SECONDS') * 1_000,
    audit: Object.freeze({
      maxEvents: num('COLLECTOR_AUDIT_MAX_EVENTS'),
      retentionMs: num('COLLECTOR_AUDIT_RETENTION_SECONDS') * 1_000,
    }),
    claimIdleMs: num('COLLECTOR_CLAIM_IDLE_MS'),
    rulesPollMs: num('COLLECTOR_RULES_POLL_MS'),
  });
}
