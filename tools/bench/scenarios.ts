/**
 * The gateway configurations the benchmark runs, built from the gateway's YAML config and
 * environment alone. `--stages` starts from a baseline with every optional stage as cheap as the
 * config allows and adds one stage at a time, then all of them together.
 *
 * Not switchable, so present in every scenario: the IP gate (static lists; reputation is skipped
 * for loopback addresses), the rate limiter itself (baseline: an in-memory bucket it never
 * empties), argument validation with a compiled schema (baseline: `{ type: object }`), and the
 * audit trail (write-ahead record and final event: a security control that cannot be turned off).
 */

/** The echo tool's input schema on the fixture upstream (`lean-upstream.ts --schema`). */
export type UpstreamSchema = 'permissive' | 'default' | 'strict';
export type SanitizeLevel = 'off' | 'secrets' | 'secrets+pii';

export interface Scenario {
  readonly name: string;
  /** One line for the table and the JSON file. */
  readonly description: string;
  /** API key (created through the admin API); otherwise anonymous access. */
  readonly apiKey: boolean;
  /**
   * Role-gated tool set: the caller holds role `bench`, which a tool set grants `bench__*`.
   * Otherwise the caller holds `admin`, for which the authorizer skips the tool-set lookup.
   */
  readonly rbac: boolean;
  /** REDIS_URL to a redis-server of the run's own: the whole state store moves to Redis. */
  readonly redis: boolean;
  readonly schema: UpstreamSchema;
  readonly sanitize: SanitizeLevel;
}

/** What `npm run bench` measured before `--stages` existed; kept so results stay comparable. */
export const DEFAULT_SCENARIO: Scenario = {
  name: 'default',
  description: 'API key, role-gated tool set, memory store, default echo schema, secrets redaction',
  apiKey: true,
  rbac: true,
  redis: false,
  schema: 'default',
  sanitize: 'secrets',
};

const BASELINE: Scenario = {
  name: 'baseline',
  description:
    'anonymous (admin role), memory store, permissive schema, sanitization off; audit on',
  apiKey: false,
  rbac: false,
  redis: false,
  schema: 'permissive',
  sanitize: 'off',
};

/** Baseline, each stage alone on top of it, then every stage at once (always last). */
export const STAGE_SCENARIOS: readonly Scenario[] = [
  BASELINE,
  { ...BASELINE, name: '+api-key', description: 'baseline + API key (admin role)', apiKey: true },
  {
    ...BASELINE,
    name: '+rbac',
    description: 'baseline + role-gated tool set (role bench)',
    rbac: true,
  },
  {
    ...BASELINE,
    name: '+redis',
    description: 'baseline + Redis state store (rate limit, audit outbox and write-ahead in Redis)',
    redis: true,
  },
  {
    ...BASELINE,
    name: '+validation',
    description: 'baseline + strict echo schema (required, maxLength, pattern, no extra fields)',
    schema: 'strict',
  },
  {
    ...BASELINE,
    name: '+sanitization',
    description: 'baseline + response sanitization (secrets and PII)',
    sanitize: 'secrets+pii',
  },
  {
    name: 'all-on',
    description: 'API key, RBAC, Redis rate limit, strict validation, sanitization, audit',
    apiKey: true,
    rbac: true,
    redis: true,
    schema: 'strict',
    sanitize: 'secrets+pii',
  },
];

/** A client whose bucket holds one token and never refills: its second call is a 429. */
export const EXHAUSTED_CLIENT = 'bench-exhausted';
/** The role every benchmark caller holds when `rbac` is on. */
export const BENCH_ROLE = 'bench';
/** A bucket the benchmark never empties: it measures the limiter admitting, not refusing. */
const UNLIMITED = { capacity: 1_000_000, refillPerSecond: 1_000_000 };

/** The roles of the benchmark's caller (API key or anonymous) in `scenario`. */
export const callerRoles = (scenario: Scenario): string[] => [scenario.rbac ? BENCH_ROLE : 'admin'];

/** The gateway's config file (GATEWAY_CONFIG; JSON is YAML) for `scenario`. */
export function gatewayFileConfig(
  scenario: Scenario,
  upstreamMcpUrl: string,
): Record<string, unknown> {
  return {
    auth: {
      anonymous: scenario.apiKey
        ? { enabled: false }
        : { enabled: true, roles: callerRoles(scenario), rateLimit: UNLIMITED },
    },
    defaultRateLimit: UNLIMITED,
    toolSets: { bench: { requiredRole: BENCH_ROLE, tools: ['bench__*'] } },
    clients: [{ id: EXHAUSTED_CLIENT, rateLimit: { capacity: 1, refillPerSecond: 0 } }],
    sanitize: {
      secrets: scenario.sanitize !== 'off',
      pii: scenario.sanitize === 'secrets+pii',
    },
    upstreams: [
      { id: 'bench', transport: 'streamable-http', url: upstreamMcpUrl, timeoutMs: 10_000 },
    ],
  };
}
