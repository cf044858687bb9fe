import Joi from 'joi';

/** How the gateway reaches one upstream MCP server. */
export type UpstreamTransport = 'streamable-http' | 'sse' | 'stdio';

export interface UpstreamConfig {
  readonly id: string;
  readonly transport: UpstreamTransport;
  /** streamable-http / sse: the server's MCP endpoint. */
  readonly url?: string;
  /** Static headers sent to an HTTP upstream (upstream credentials; never the client's token). */
  readonly headers: Readonly<Record<string, string>>;
  /** stdio: the program and its arguments. */
  readonly command?: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** stdio: the child's complete environment; nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** stdio, Node programs: run under Node's permission model with these read-only paths. */
  readonly nodePermissions?: { readonly allowFsRead: readonly string[] };
  /**
   * How long a call may wait on the upstream without hearing from it: each progress or log
   * message of the call starts the wait again, and it stops while a request the upstream relayed
   * to the client (sampling, elicitation) waits for the client's answer.
   */
  readonly timeoutMs: number;
  /** The longest a call may take, however often the upstream reports progress. */
  readonly maxDurationMs: number;
  /** stdio: stop the child after this long without calls. */
  readonly idleTimeoutMs: number;
  readonly breaker: {
    readonly errorThresholdPercentage: number;
    readonly resetTimeoutMs: number;
    readonly volumeThreshold: number;
  };
  /**
   * streamable-http: the requests this upstream may send to the calling client during a call
   * (declared to it as client capabilities, relayed to 2025-era clients that accept a stream).
   */
  readonly serverRequests: readonly ServerRequestKind[];
}

/** A call's longest duration unless configured: five minutes, and never below its idle timeout. */
export function defaultMaxDurationMs(timeoutMs: number): number {
  return Math.max(timeoutMs, 300_000);
}

/** Server-to-client requests an upstream may be allowed to send through the gateway. */
export type ServerRequestKind = 'sampling' | 'elicitation';

/** A set of tools a role may use (`tools` are exact names or `prefix*` patterns). */
export interface ToolSetConfig {
  readonly requiredRole: string;
  readonly tools: readonly string[];
}

export interface RateLimitConfig {
  /** Bucket size: the burst a caller may send. */
  readonly capacity: number;
  /** Tokens added per second (0: a fixed allowance that never refills). */
  readonly refillPerSecond: number;
}

/** What one client (an API key's client id, or a JWT's `azp`/`client_id`) may do. */
export interface ClientPolicyConfig {
  readonly id: string;
  /** Tool names or `prefix*` patterns; empty: whatever the caller's roles allow. */
  readonly allowedTools: readonly string[];
  /** Resource URI patterns (`prefix*`) for resources/read; empty: none. */
  readonly allowedResources: readonly string[];
  readonly maxRequestBytes?: number;
  readonly rateLimit?: RateLimitConfig;
  readonly toolRateLimits: Readonly<Record<string, RateLimitConfig>>;
  readonly quotas: { readonly daily?: number; readonly monthly?: number };
  readonly allowedOrigins: readonly string[];
  /** Source addresses this client may connect from; empty: any (required when `requireAuth` is false). */
  readonly allowedCidrs: readonly string[];
  /**
   * `false`: a request without any credential from inside `allowedCidrs` is this client (principal
   * `client:<id>`, kind `network`, with `roles`). Credentials, when present, are checked as always.
   */
  readonly requireAuth: boolean;
  /** Roles of the network-identified principal; only for `requireAuth: false`, never `admin`. */
  readonly roles: readonly string[];
}

export interface AuthConfig {
  readonly jwt?: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string;
    readonly rolesClaim: string;
    readonly clientIdClaim: string;
    readonly algorithms: readonly string[];
    readonly clockToleranceSec: number;
    readonly jwksCooldownMs: number;
  };
  /** This gateway's resource identifier for RFC 9728 metadata (defaults to the request's /mcp URL). */
  readonly resource?: string;
  readonly authorizationServers: readonly string[];
  /** Development only: a fixed bearer token; the gateway refuses to start with it in production. */
  readonly devToken?: { readonly enabled: boolean; readonly roles: readonly string[] };
  /** Callers without credentials: refused unless enabled, and then with a strict bucket. */
  readonly anonymous: { readonly enabled: boolean; readonly roles: readonly string[]; readonly rateLimit: RateLimitConfig };
}

export interface IpGateConfig {
  /** Hops whose X-Forwarded-For is believed (CIDRs); empty: the socket address is the client. */
  readonly trustedProxies: readonly string[];
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly reputation: {
    readonly enabled: boolean;
    /** Block at or above this SentraIP score (0-10). */
    readonly threshold: number;
    /** The longest a request waits for a first verdict; later ones come from the cache. */
    readonly budgetMs: number;
    readonly cacheTtlMs: number;
  };
}

export interface SanitizeConfig {
  readonly secrets: boolean;
  readonly pii: boolean;
  /** Per exposed tool name: override secrets/pii redaction. */
  readonly perTool: Readonly<Record<string, { readonly secrets?: boolean; readonly pii?: boolean }>>;
}

export interface GatewayFileConfig {
  readonly auth: AuthConfig;
  readonly toolSets: Readonly<Record<string, ToolSetConfig>>;
  readonly clients: readonly ClientPolicyConfig[];
  /** Applied to authenticated callers whose client has no policy of its own. */
  readonly defaultRateLimit: RateLimitConfig;
  readonly ipGate: IpGateConfig;
  readonly sanitize: SanitizeConfig;
  readonly audit: { readonly includeArguments: boolean };
  /** Joins an upstream id and its tool name: `<upstream><separator><tool>`. */
  readonly namespaceSeparator: string;
  /** Upper bound on concurrently running stdio upstreams. */
  readonly maxStdioProcesses: number;
  readonly upstreams: readonly UpstreamConfig[];
  /** Origins (hostnames) a browser may call /mcp from; empty: only non-browser clients. */
  readonly allowedOrigins: readonly string[];
  /** Page size of aggregated list results. */
  readonly pageSize: number;
  /** Upstreams added through the admin API (`POST /admin/upstreams`). */
  readonly runtimeUpstreams: {
    /** Whether the admin API may add stdio upstreams (a process the gateway starts); off by default. */
    readonly allowStdio: boolean;
  };
}

const id = Joi.string().pattern(/^[a-z][a-z0-9-]{0,39}$/).message('{{#label}} must be 1-40 characters of a-z, 0-9 and -, starting with a letter');

/** One entry of `upstreams:`; the admin API validates `POST /admin/upstreams` bodies with it too. */
export const upstreamSchema = Joi.object({
  id: id.required(),
  transport: Joi.string().valid('streamable-http', 'sse', 'stdio').required(),
  url: Joi.when('transport', {
    is: 'stdio',
    then: Joi.forbidden(),
    otherwise: Joi.string().uri({ scheme: ['http', 'https'] }).required(),
  }),
  headers: Joi.when('transport', {
    is: 'stdio',
    then: Joi.forbidden(),
    otherwise: Joi.object().pattern(Joi.string().pattern(/^[A-Za-z0-9-]{1,64}$/), Joi.string().max(8192)).default({}),
  }),
  command: Joi.when('transport', { is: 'stdio', then: Joi.string().max(1024).required(), otherwise: Joi.forbidden() }),
  args: Joi.when('transport', {
    is: 'stdio',
    then: Joi.array().items(Joi.string().max(4096)).max(64).default([]),
    otherwise: Joi.forbidden(),
  }),
  cwd: Joi.when('transport', { is: 'stdio', then: Joi.string().max(4096), otherwise: Joi.forbidden() }),
  env: Joi.when('transport', {
    is: 'stdio',
    then: Joi.object().pattern(Joi.string().pattern(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/), Joi.string().max(8192)).default({}),
    otherwise: Joi.forbidden(),
  }),
  nodePermissions: Joi.when('transport', {
    is: 'stdio',
    then: Joi.object({ allowFsRead: Joi.array().items(Joi.string().max(4096)).max(32).default([]) }),
    otherwise: Joi.forbidden(),
  }),
  timeoutMs: Joi.number().integer().min(100).max(600_000).default(30_000),
  maxDurationMs: Joi.number()
    .integer()
    .min(100)
    .max(3_600_000)
    // Compared only with a valid timeoutMs: an invalid one is reported on its own.
    .custom((value: number, helpers) => {
      const { timeoutMs } = helpers.state.ancestors[0] as { timeoutMs?: unknown };
      return typeof timeoutMs === 'number' && value < timeoutMs ? helpers.error('duration.belowTimeout') : value;
    })
    .default((parent: { timeoutMs: number }) => defaultMaxDurationMs(parent.timeoutMs))
    .messages({ 'duration.belowTimeout': "{{#label}} must be at least the upstream's timeoutMs" }),
  idleTimeoutMs: Joi.number().integer().min(1000).max(86_400_000).default(300_000),
  serverRequests: Joi.when('transport', {
    is: 'streamable-http',
    then: Joi.array().items(Joi.string().valid('sampling', 'elicitation')).unique().default([]),
    otherwise: Joi.array().max(0).default([]).messages({ 'array.max': '{{#label}} is only relayed for streamable-http upstreams' }),
  }),
  breaker: Joi.object({
    errorThresholdPercentage: Joi.number().min(1).max(100).default(50),
    resetTimeoutMs: Joi.number().integer().min(100).max(600_000).default(10_000),
    volumeThreshold: Joi.number().integer().min(1).max(10_000).default(5),
  }).default(),
});

const cidr = Joi.string().pattern(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/).message('{{#label}} must be an IP address or CIDR');
const toolPattern = Joi.string().pattern(/^[A-Za-z0-9_.:\-/]{1,200}\*?$|^\*$/).message('{{#label}} must be a tool name or a prefix pattern ending in *');
const rateLimit = Joi.object({
  capacity: Joi.number().integer().min(1).max(1_000_000).required(),
  refillPerSecond: Joi.number().min(0).max(1_000_000).required(),
});
const role = Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,64}$/);

const clientPolicy = Joi.object({
  id: Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,128}$/).required(),
  allowedTools: Joi.array().items(toolPattern).max(1000).default([]),
  allowedResources: Joi.array().items(Joi.string().max(2048)).max(1000).default([]),
  maxRequestBytes: Joi.number().integer().min(256).max(4 * 1024 * 1024),
  rateLimit,
  toolRateLimits: Joi.object().pattern(toolPattern, rateLimit).default({}),
  quotas: Joi.object({ daily: Joi.number().integer().min(1), monthly: Joi.number().integer().min(1) }).default({}),
  allowedOrigins: Joi.array().items(Joi.string().max(253)).max(256).default([]),
  allowedCidrs: Joi.array().items(cidr).max(1000).default([]),
  requireAuth: Joi.boolean().default(true),
  roles: Joi.array().items(role).max(64).unique().default([]),
});

const auth = Joi.object({
  jwt: Joi.object({
    issuer: Joi.string().uri().required(),
    audience: Joi.string().max(2048).required(),
    jwksUrl: Joi.string().uri({ scheme: ['http', 'https'] }).required(),
    rolesClaim: Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,128}$/).default('realm_access.roles'),
    clientIdClaim: Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,128}$/).default('azp'),
    algorithms: Joi.array().items(Joi.string().valid('RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA')).min(1).default(['RS256', 'ES256']),
    clockToleranceSec: Joi.number().integer().min(0).max(300).default(30),
    jwksCooldownMs: Joi.number().integer().min(1000).max(3_600_000).default(30_000),
  }),
  resource: Joi.string().uri({ scheme: ['http', 'https'] }),
  authorizationServers: Joi.array().items(Joi.string().uri()).max(16).default([]),
  devToken: Joi.object({ enabled: Joi.boolean().default(false), roles: Joi.array().items(role).default(['admin']) }),
  anonymous: Joi.object({
    enabled: Joi.boolean().default(false),
    roles: Joi.array().items(role).default([]),
    rateLimit: rateLimit.default({ capacity: 10, refillPerSecond: 0.2 }),
  }).default(),
}).default();

/** The gateway's YAML file (`GATEWAY_CONFIG`), validated at start and on every reload. */
export const gatewayFileSchema = Joi.object({
  auth,
  toolSets: Joi.object()
    .pattern(Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,64}$/), Joi.object({ requiredRole: role.required(), tools: Joi.array().items(toolPattern).min(1).max(1000).required() }))
    .default({}),
  clients: Joi.array().items(clientPolicy).max(10_000).unique('id').default([]),
  defaultRateLimit: rateLimit.default({ capacity: 120, refillPerSecond: 20 }),
  ipGate: Joi.object({
    trustedProxies: Joi.array().items(cidr).max(256).default([]),
    allow: Joi.array().items(cidr).max(10_000).default([]),
    deny: Joi.array().items(cidr).max(10_000).default([]),
    reputation: Joi.object({
      enabled: Joi.boolean().default(true),
      threshold: Joi.number().min(0).max(10).default(8),
      budgetMs: Joi.number().integer().min(0).max(5000).default(50),
      cacheTtlMs: Joi.number().integer().min(1000).max(86_400_000).default(300_000),
    }).default(),
  }).default(),
  sanitize: Joi.object({
    secrets: Joi.boolean().default(true),
    pii: Joi.boolean().default(false),
    perTool: Joi.object().pattern(Joi.string(), Joi.object({ secrets: Joi.boolean(), pii: Joi.boolean() })).default({}),
  }).default(),
  audit: Joi.object({ includeArguments: Joi.boolean().default(false) }).default(),
  namespaceSeparator: Joi.string().pattern(/^[_.:-]{1,3}$/).default('__'),
  maxStdioProcesses: Joi.number().integer().min(0).max(256).default(16),
  allowedOrigins: Joi.array().items(Joi.string().max(253)).max(256).default([]),
  pageSize: Joi.number().integer().min(1).max(1000).default(100),
  runtimeUpstreams: Joi.object({ allowStdio: Joi.boolean().default(false) }).default(),
  upstreams: Joi.array()
    .items(upstreamSchema)
    .max(256)
    .unique('id')
    .default([])
    .messages({ 'array.unique': 'upstreams[{{#pos}}] repeats the id of upstreams[{{#dupePos}}]' }),
});
