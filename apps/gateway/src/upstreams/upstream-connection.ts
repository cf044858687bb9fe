import { Client, StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import type { Registry } from 'prom-client';
import { createCircuitBreaker, sleep, TimeoutError, type Cancellation, type CircuitBreaker } from '@mcpgw/resilience';
import type { Logger } from '@mcpgw/telemetry';
import type { UpstreamConfig } from '../gateway-config/schema.js';
import { relayedParams, unreachableClient } from '../mcp/server-requests.js';
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from '../mcp/json-depth.js';
import { exchange, tooDeep, UpstreamHttpError, UpstreamResponseError, UpstreamRpcError, type ExchangeOptions, type ExchangeSession } from './direct-exchange.js';
import { askThrough, capabilityFor, fulfilInputRequired, inputRequestsOf, InputRequiredError, isInputRequired, MULTI_ROUND_TRIP_METHODS } from './input-required.js';
import { passthroughResult } from './passthrough-schema.js';
import { followsResultSchema } from './result-shape.js';
import { createUpstreamTransport } from './transport-factory.js';
import { upstreamProtocolError } from './upstream-errors.js';
import { InFlightMap } from '../support/in-flight-map.js';
import { isJsonObject } from '../support/json-object.js';

export type ListKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

const LIST_METHODS: Record<ListKind, { method: string; field: string; capability: 'tools' | 'resources' | 'prompts' }> = {
  tools: { method: 'tools/list', field: 'tools', capability: 'tools' },
  resources: { method: 'resources/list', field: 'resources', capability: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', field: 'resourceTemplates', capability: 'resources' },
  prompts: { method: 'prompts/list', field: 'prompts', capability: 'prompts' },
};

/** Requests forwarded for clients; on 2025-era HTTP upstreams they take the direct exchange. */
const FORWARDED_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get', 'completion/complete']);
/** The stateless revision's upstreams keep the SDK path (its envelope and headers are the SDK's job). */
const MODERN_PROTOCOL_VERSIONS = new Set(['2026-07-28']);

/** The notifications that say one of an upstream's lists changed (either era). */
const LIST_CHANGED_NOTIFICATIONS = ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'] as const;

/** How many pages of an upstream list the gateway follows before it stops (a runaway cursor guard). */
const MAX_LIST_PAGES = 50;

export interface CallOptions {
  /** The caller's cancellation (the client gone, `notifications/cancelled`). */
  cancellation?: Cancellation;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /**
   * Receives the upstream's log messages (`notifications/message` params) sent on this request's
   * own response stream. Only the direct exchange sees that stream; on the SDK path they are not
   * tied to a request and are not relayed.
   */
  onlog?: ExchangeOptions['onlog'];
  /**
   * Receives the upstream's sampling and elicitation requests for this call, when its config
   * allows them: a 2025-era upstream's own requests (direct exchange), or the embedded requests
   * of a 2026-era upstream's `input_required` answer, asked of a 2025-era client.
   */
  onrequest?: ExchangeOptions['onrequest'];
  /**
   * The calling client's protocol era. A `modern` client gets a 2026-era upstream's
   * `input_required` answer as it is, and sends the request again with its answers itself.
   */
  clientEra?: 'legacy' | 'modern';
  /** What a modern client declared it can be asked (its request's `clientCapabilities`). */
  clientCapabilities?: Record<string, unknown>;
}

export interface UpstreamDeps {
  logger: Logger;
  registry: Registry;
  clientVersion: string;
  /** Called when the upstream says one of its lists changed, or its connection was re-established. */
  onListChanged: (upstreamId: string) => void;
  /** Called whenever a stdio process starts or stops, so the registry can bound and reap them. */
  onProcessStateChange?: (upstreamId: string, running: boolean) => void;
  /** Asked before a stdio process starts: makes room under the process bound, or refuses (false). */
  admitProcess?: (upstream: UpstreamConnection) => Promise<boolean>;
}

type Action = (method: string, params: Record<string, unknown>, options: CallOptions) => Promise<Record<string, unknown>>;

/**
 * One upstream MCP server as the gateway sees it: an SDK client connected lazily (either protocol
 * era, negotiated by the SDK), every request behind the upstream's own timeout and circuit breaker,
 * re-connected transparently when the connection or the upstream's session is lost.
 */
export class UpstreamConnection {
  private client: Client | undefined;
  /** Bumped by every disconnect: a connect that finishes under an older generation is stale. */
  private generation = 0;
  private exchangeIds = 0;
  private connecting: Promise<Client> | undefined;
  private readonly breaker: CircuitBreaker<Parameters<Action>, Record<string, unknown>>;
  private consecutiveConnectFailures = 0;
  /** Direct exchanges under way: closing the connection (upstream removed) fails them at once. */
  private readonly exchanges = new InFlightMap<string, (err: Error) => void>();
  lastUsedAt = 0;

  constructor(
    readonly config: UpstreamConfig,
    private readonly deps: UpstreamDeps,
  ) {
    this.breaker = createCircuitBreaker<Parameters<Action>, Record<string, unknown>>(
      (cancellation, method, params, options) => this.send(method, params, { ...options, cancellation }),
      {
        name: `upstream:${config.id}`,
        // The hard cap; the wait for the upstream's next message (timeoutMs) is the exchange's.
        timeoutMs: config.maxDurationMs,
        errorThresholdPercentage: config.breaker.errorThresholdPercentage,
        resetTimeoutMs: config.breaker.resetTimeoutMs,
        volumeThreshold: config.breaker.volumeThreshold,
        // The upstream answered with a JSON-RPC error of its own: it is alive, not failing.
        // Nor is a local refusal to start another stdio child: that is the gateway's pressure.
        // Nor is input the client could not give: the upstream asked for it correctly.
        isFailure: (err) =>
          !(err instanceof StdioLimitError) && !(err instanceof UpstreamClosedError) && !(err instanceof InputRequiredError) && upstreamProtocolError(err) === undefined,
        registry: deps.registry,
        logger: deps.logger,
      },
    );
  }

  get id(): string {
    return this.config.id;
  }

  get breakerState(): string {
    return this.breaker.state;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Sends one request through the breaker and timeout; the result is relayed unchanged. */
  request(method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<Record<string, unknown>> {
    this.lastUsedAt = Date.now();
    return this.breaker.fireWithSignal(options.cancellation, method, params, options);
  }

  /** Every item of one list, following cursors; empty when the upstream lacks the capability. */
  async listAll(kind: ListKind): Promise<Record<string, unknown>[]> {
    const spec = LIST_METHODS[kind];
    const client = await this.ensureClient();
    if (!client.getServerCapabilities()?.[spec.capability]) return [];
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const result = await this.request(spec.method, cursor ? { cursor } : {});
      const batch = result[spec.field];
      if (Array.isArray(batch)) items.push(...(batch.filter((i) => i && typeof i === 'object') as Record<string, unknown>[]));
      cursor = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (!cursor) break;
    }
    return items;
  }

  /** Closes the connection (stops a stdio child); the next request connects again. */
  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    this.generation += 1;
    await client?.close().catch(() => undefined);
    if (client && this.config.transport === 'stdio') this.deps.onProcessStateChange?.(this.id, false);
  }

  async close(): Promise<void> {
    for (const fail of this.exchanges.values()) fail(new UpstreamClosedError(this.id, 'closed'));
    this.breaker.shutdown();
    await this.disconnect();
  }

  /** One request for the breaker: sent, and its result checked against the spec's schema. */
  private async send(method: string, params: Record<string, unknown>, options: CallOptions & { cancellation: Cancellation }) {
    // The era of the connection that answered (another call may reconnect meanwhile).
    const { result, version } = await this.sendOnce(method, params, options);
    const modernUpstream = MODERN_PROTOCOL_VERSIONS.has(version ?? '');
    if (isInputRequired(result)) {
      // Only a modern client is handed an input_required answer (a legacy one gets the rounds' outcome).
      if (options.clientEra !== 'modern') throw new UpstreamResponseError(`upstream answered input_required to ${method} for a client that cannot take it`);
      if (!modernUpstream) throw new UpstreamResponseError(`upstream answered input_required on protocol ${version ?? 'unknown'}`);
      return this.handedOn(result, options.clientCapabilities);
    }
    if (!followsResultSchema(method, result, modernUpstream)) throw new UpstreamResponseError(`upstream ${method} result does not follow the MCP schema`);
    return result;
  }

  private async sendOnce(method: string, params: Record<string, unknown>, options: CallOptions & { cancellation: Cancellation }) {
    const client = await this.clientWithin(this.config.timeoutMs);
    try {
      return await this.sendOn(client, method, params, options);
    } catch (err) {
      if (isSessionLost(err)) {
        // The upstream forgot our session (restart, expiry): initialise again and retry once.
        // Only the failed client is torn down; concurrent callers share the one reconnect.
        this.deps.logger.warn('upstream session lost, reconnecting', { upstream: this.id });
        if (this.client === client) await this.disconnect();
        return await this.sendOn(await this.clientWithin(this.config.timeoutMs), method, params, options);
      }
      throw err;
    }
  }

  private async sendOn(client: Client, method: string, params: Record<string, unknown>, options: CallOptions & { cancellation: Cancellation }) {
    const version = client.getNegotiatedProtocolVersion();
    const direct = FORWARDED_METHODS.has(method) ? this.directSession(client) : undefined;
    const result = direct ? await this.sendDirect(client, direct, method, params, options) : await this.sendSdk(client, method, params, options);
    return { result, version };
  }

  /**
   * One request through the SDK client, with its own timeouts kept as the direct exchange keeps
   * them (idle `timeoutMs`, progress restarts it, `maxDurationMs` in all). An answer nested past
   * what the gateway relays is refused here, as the exchange refuses it before parsing.
   */
  private async sendSdk(client: Client, method: string, params: Record<string, unknown>, options: CallOptions & { cancellation: Cancellation }) {
    const multiRound = MULTI_ROUND_TRIP_METHODS.has(method);
    const leg = async (legParams: Record<string, unknown>) => {
      let result: Record<string, unknown>;
      try {
        result = await client.request({ method, params: legParams }, passthroughResult, {
          signal: options.cancellation.signal,
          timeout: this.config.timeoutMs,
          onprogress: options.onprogress,
          resetTimeoutOnProgress: true,
          maxTotalTimeout: this.config.maxDurationMs,
          // The SDK's own fulfilment asks handlers shared by every call; the gateway asks this call's client.
          ...(multiRound && { allowInputRequired: true }),
        });
      } catch (err) {
        // Depth counted as the direct exchange counts it, from the message: data is two levels down.
        throw valueNestsDeeperThan((err as { data?: unknown } | undefined)?.data, MAX_JSON_DEPTH - 2) ? tooDeep() : err;
      }
      if (valueNestsDeeperThan(result, MAX_JSON_DEPTH - 1)) throw tooDeep();
      return result;
    };
    const first = await leg(params);
    if (!multiRound || !isInputRequired(first) || options.clientEra === 'modern') return first;
    const { onrequest } = options;
    return fulfilInputRequired(first, {
      params,
      signal: options.cancellation.signal,
      ask: (askMethod, askParams) => {
        if (!onrequest) {
          return Promise.reject(new InputRequiredError(`upstream ${this.id} needs input from the client, which cannot be asked through the gateway for this request`));
        }
        if (!this.allowsServerRequest(askMethod)) return Promise.reject(this.notAllowedToAsk(askMethod));
        return askThrough(onrequest, options.cancellation.signal)(askMethod, askParams);
      },
      retry: leg,
    });
  }

  private notAllowedToAsk(method: string): InputRequiredError {
    return new InputRequiredError(`upstream ${this.id} may not ask the client for ${capabilityFor(method) ?? method} (serverRequests)`);
  }

  /**
   * An `input_required` answer (from an upstream of that revision) as a modern client is handed
   * it: only with requests the upstream may make (`serverRequests`), that the client
   * declared it can answer (its `clientCapabilities`; the upstream sees the gateway's), rebuilt
   * from the spec's fields as the 2025-era relay rebuilds them (no URL-mode elicitation, no
   * `includeContext`, no upstream `_meta`).
   */
  private handedOn(answer: Record<string, unknown>, clientCapabilities: Record<string, unknown> | undefined): Record<string, unknown> {
    const requests = inputRequestsOf(answer);
    if (requests.length === 0) return answer;
    const rebuilt: Record<string, unknown> = {};
    for (const [key, request] of requests) {
      const method = isJsonObject(request) && typeof request['method'] === 'string' ? request['method'] : '';
      if (!this.allowsServerRequest(method)) throw this.notAllowedToAsk(method || 'an unnamed request');
      const params = relayedParams(method, isJsonObject(request) && isJsonObject(request['params']) ? request['params'] : undefined);
      if (!params) throw new InputRequiredError(`upstream ${this.id} asked the client for ${method} in a form the gateway does not relay`);
      if (!clientCanAnswer(method, params, clientCapabilities)) {
        throw new InputRequiredError(`upstream ${this.id} needs ${capabilityFor(method) ?? method} from the client, which did not declare it`);
      }
      rebuilt[key] = { method, params };
    }
    return { ...answer, inputRequests: rebuilt };
  }


  private allowsServerRequest(method: string): boolean {
    const kind = capabilityFor(method);
    return kind !== undefined && (this.config.serverRequests as readonly string[]).includes(kind);
  }

  /** The exchange's view of the SDK connection, when the upstream speaks a 2025-era revision over HTTP. */
  private directSession(client: Client): ExchangeSession | undefined {
    const transport = client.transport;
    const version = client.getNegotiatedProtocolVersion();
    if (!(transport instanceof StreamableHTTPClientTransport) || !version || MODERN_PROTOCOL_VERSIONS.has(version)) return undefined;
    return {
      url: this.config.url ?? '',
      headers: this.config.headers,
      sessionId: () => transport.sessionId,
      protocolVersion: () => version,
      deliver: (message) => transport.onmessage?.(message as JSONRPCMessage),
      respond: (message) => transport.send(message as JSONRPCMessage),
    };
  }

  private async sendDirect(
    client: Client,
    session: ExchangeSession,
    method: string,
    params: Record<string, unknown>,
    options: CallOptions & { cancellation: Cancellation },
  ): Promise<Record<string, unknown>> {
    // Ids of their own, so they never collide with the SDK client's numeric ones on the same session.
    // Ten characters or more: V8's JSON.parse interns shorter string values, and each interned string
    // (one per answer) is allocated in the old generation. The counter in base 36: a decimal one
    // goes through V8's number-to-string cache, whose strings are promoted (ADR 0009).
    const id = `gw-exchange-${(this.exchangeIds += 1).toString(36)}`;
    const { timeoutMs, maxDurationMs } = this.config;
    let silence: TimeoutError | undefined;
    try {
      const { onrequest } = options;
      return await exchange(session, { id, method, params }, {
        cancellation: options.cancellation,
        onprogress: options.onprogress,
        onlog: options.onlog,
        onrequest: onrequest && ((request) => (this.allowsServerRequest(request.method) ? onrequest(request) : request.respond(unreachableClient(request.method)))),
        inFlight: this.exchanges,
        // Without room to extend, the breaker's timeout is the same wait: no second timer.
        ...(maxDurationMs > timeoutMs && {
          idle: { ms: timeoutMs, error: () => (silence = new TimeoutError(timeoutMs, `upstream ${this.id} sent nothing for ${timeoutMs} ms`)) },
        }),
      });
    } catch (err) {
      if (options.cancellation.aborted || (silence !== undefined && err === silence)) {
        // As the SDK does for its own requests: tell the upstream to stop working on it.
        const cause = options.cancellation.aborted ? options.cancellation.reason : err;
        const reason = cause instanceof Error ? cause.message : 'cancelled';
        void client.notification({ method: 'notifications/cancelled', params: { requestId: id, reason } }).catch(() => undefined);
        throw cause ?? err;
      }
      throw err;
    }
  }

  /**
   * The connected client, within `ms`: reaching an upstream (backoff after failures, a stdio slot,
   * the handshake) counts against the call's wait like the answer does. No timer when connected.
   */
  private clientWithin(ms: number): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(ms, `upstream ${this.id} was not reachable within ${ms} ms`)), ms);
      this.ensureClient()
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    });
  }

  private ensureClient(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const generation = this.generation;
    // Crash-looping children and dead servers are retried with capped exponential backoff.
    if (this.consecutiveConnectFailures > 0) {
      await sleep(Math.min(30_000, 250 * 2 ** (this.consecutiveConnectFailures - 1)));
    }
    const stdio = this.config.transport === 'stdio';
    if (stdio && this.deps.admitProcess && !(await this.deps.admitProcess(this))) {
      throw new StdioLimitError(this.id);
    }
    const onChanged = () => this.deps.onListChanged(this.id);
    let client: Client | undefined;
    try {
      client = new Client(
        { name: 'mcpgw-gateway', version: this.deps.clientVersion },
        {
          versionNegotiation: { mode: 'auto' },
          // What the config lets this upstream ask the calling client (relayed on the direct exchange).
          capabilities: {
            ...(this.config.serverRequests.includes('sampling') && { sampling: {} }),
            ...(this.config.serverRequests.includes('elicitation') && { elicitation: {} }),
          },
        },
      );
      // The SDK's own list-changed option would open a 2026-era upstream's subscriptions/listen
      // inside connect() and wait there for its acknowledgement, up to the connect timeout: an
      // SSE-buffering proxy in front of the upstream then held every connect for timeoutMs (and
      // raced the call's own wait). The handlers serve both eras; the listen opens afterwards.
      for (const method of LIST_CHANGED_NOTIFICATIONS) client.setNotificationHandler(method, onChanged);
      const connected = client;
      connected.onclose = () => {
        if (this.client === connected) {
          this.client = undefined;
          this.deps.logger.warn('upstream connection closed', { upstream: this.id });
          if (stdio) this.deps.onProcessStateChange?.(this.id, false);
        }
      };
      await connected.connect(createUpstreamTransport(this.config), { timeout: this.config.timeoutMs });
      // Disconnected (removed, replaced, reaped) while connecting: nobody may own this one.
      if (generation !== this.generation) throw new UpstreamClosedError(this.id);
    } catch (err) {
      if (!(err instanceof UpstreamClosedError)) this.consecutiveConnectFailures += 1;
      await client?.close().catch(() => undefined);
      if (stdio) this.deps.onProcessStateChange?.(this.id, false);
      throw err;
    }
    this.consecutiveConnectFailures = 0;
    this.client = client;
    if (stdio) this.deps.onProcessStateChange?.(this.id, true);
    this.deps.logger.info('upstream connected', {
      upstream: this.id,
      protocol_version: client.getNegotiatedProtocolVersion(),
    });
    this.listenForChanges(client);
    onChanged();
    return client;
  }

  /**
   * On a 2026-era connection, list changes come only on a subscriptions/listen stream: opened in
   * the background for the lists the upstream says change. Not acknowledged within timeoutMs, it
   * is given up with a warning (the catalogue still refreshes on reconnects and reloads).
   */
  private listenForChanges(client: Client): void {
    const version = client.getNegotiatedProtocolVersion();
    if (!version || !MODERN_PROTOCOL_VERSIONS.has(version)) return;
    const capabilities = client.getServerCapabilities();
    const filter = {
      ...(capabilities?.tools?.listChanged && { toolsListChanged: true }),
      ...(capabilities?.prompts?.listChanged && { promptsListChanged: true }),
      ...(capabilities?.resources?.listChanged && { resourcesListChanged: true }),
    };
    if (Object.keys(filter).length === 0) return;
    client.listen(filter, { timeout: this.config.timeoutMs }).catch((err: unknown) => {
      if (this.client === client) this.deps.logger.warn('upstream list changes not subscribed', { upstream: this.id, err });
    });
  }
}

/** The connection was closed while it was being established. */
export class UpstreamClosedError extends Error {
  readonly code = 'UPSTREAM_CLOSED';
  constructor(upstream: string, when: 'connecting' | 'closed' = 'connecting') {
    super(when === 'connecting' ? `upstream ${upstream} was closed while connecting` : `upstream ${upstream} was removed`);
    this.name = 'UpstreamClosedError';
  }
}

/** Every allowed stdio process is running and busy: this one may not start now. */
export class StdioLimitError extends Error {
  readonly code = 'STDIO_LIMIT';
  constructor(upstream: string) {
    super(`stdio upstream ${upstream} cannot start: the maximum number of stdio processes are running and busy`);
    this.name = 'StdioLimitError';
  }
}

function isSessionLost(err: unknown): boolean {
  // The upstream answered the call itself: its session exists, and retrying could run a tool twice.
  if (err instanceof UpstreamRpcError) return false;
  if (err instanceof UpstreamHttpError) return err.status === 404;
  const status = (err as { status?: unknown; code?: unknown })?.status ?? (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : '';
  return status === 404 || /session not found|unknown session|session.*expired/i.test(message);
}

/**
 * Whether a modern client declared it can answer `method` as asked: elicitation in form mode
 * (an empty `elicitation` capability means form), sampling, with tools only if it said so.
 */
function clientCanAnswer(method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> | undefined): boolean {
  const declared = capabilities?.[capabilityFor(method) ?? ''];
  if (!isJsonObject(declared)) return false;
  if (method === 'elicitation/create') return Object.keys(declared).length === 0 || declared['form'] !== undefined;
  if (method === 'sampling/createMessage' && params['tools'] !== undefined) return declared['tools'] !== undefined;
  return true;
}

