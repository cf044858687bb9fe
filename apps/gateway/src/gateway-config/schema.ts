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
  readonly timeoutMs: number;
  /** stdio: stop the child after this long without calls. */
  readonly idleTimeoutMs: number;
  readonly breaker: {
    readonly errorThresholdPercentage: number;
    readonly resetTimeoutMs: number;
    readonly volumeThreshold: number;
  };
}

export interface GatewayFileConfig {
  /** Joins an upstream id and its tool name: `<upstream><separator><tool>`. */
  readonly namespaceSeparator: string;
  /** Upper bound on concurrently running stdio upstreams. */
  readonly maxStdioProcesses: number;
  readonly upstreams: readonly UpstreamConfig[];
  /** Origins (hostnames) a browser may call /mcp from; empty: only non-browser clients. */
  readonly allowedOrigins: readonly string[];
  /** Page size of aggregated list results. */
  readonly pageSize: number;
}

const id = Joi.string().pattern(/^[a-z][a-z0-9-]{0,39}$/).message('{{#label}} must be 1-40 characters of a-z, 0-9 and -, starting with a letter');

const upstream = Joi.object({
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
  idleTimeoutMs: Joi.number().integer().min(1000).max(86_400_000).default(300_000),
  breaker: Joi.object({
    errorThresholdPercentage: Joi.number().min(1).max(100).default(50),
    resetTimeoutMs: Joi.number().integer().min(100).max(600_000).default(10_000),
    volumeThreshold: Joi.number().integer().min(1).max(10_000).default(5),
  }).default(),
});

/** The gateway's YAML file (`GATEWAY_CONFIG`), validated at start and on every reload. */
export const gatewayFileSchema = Joi.object({
  namespaceSeparator: Joi.string().pattern(/^[_.:-]{1,3}$/).default('__'),
  maxStdioProcesses: Joi.number().integer().min(0).max(256).default(16),
  allowedOrigins: Joi.array().items(Joi.string().max(253)).max(256).default([]),
  pageSize: Joi.number().integer().min(1).max(1000).default(100),
  upstreams: Joi.array()
    .items(upstream)
    .max(256)
    .unique('id')
    .default([])
    .messages({ 'array.unique': 'upstreams[{{#pos}}] repeats the id of upstreams[{{#dupePos}}]' }),
});
