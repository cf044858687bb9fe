import type { IncomingHttpHeaders } from 'node:http';
import { context, trace, type Context } from '@opentelemetry/api';
import type { Cancellation } from '@mcpgw/resilience';
import { extractTraceContext, type Logger } from '@mcpgw/telemetry';
import { AUDIT_ARGUMENTS_MAX_BYTES } from '@mcpgw/tool-schemas';
import { reasonLabel, type AuditMetrics } from '../audit/audit-metrics.js';
import type { AuditRecorder, AuditInput } from '../audit/audit-recorder.js';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { DispatchContext, Era, McpDispatcher, UpstreamLog } from '../mcp/dispatcher.js';
import { JsonRpcError, RPC, rpcErrors } from '../mcp/jsonrpc.js';
import type { AddressList } from '../security/address-list.js';
import type { Authenticator } from '../security/authenticator.js';
import type { Authorizer } from '../security/authorizer.js';
import { clientIpOf } from '../security/client-ip.js';
import { Denial } from '../security/denial.js';
import { ThreatBlocked, type IpGate } from '../security/ip-gate.js';
import type { Principal } from '../security/principal.js';
import type { AdmissionAppend, RateLimiter } from '../security/rate-limiter.js';
import type { Sanitizer } from '../security/sanitizer.js';
import { validateParams } from '../mcp/params.js';
import { ArgumentValidator, rejectIdentityMeta } from './argument-validator.js';
import { relayedParams, unreachableClient, type UpstreamServerRequest } from '../mcp/server-requests.js';
import { cappedMessage } from '../upstreams/upstream-errors.js';

/** What the pre-parse stages decided about a request; kept and never recomputed. */
export interface Admission {
  readonly clientIp: string;
  readonly principal: Principal;
  readonly degraded: boolean;
  readonly threatScore?: number;
  /** Body limit for this caller (client policy, else the gateway's). */
  readonly maxBodyBytes: number;
  /** The caller's trace context (W3C `traceparent`), read once: the request's span continues it. */
  readonly traceContext: Context;
}

/** One request's audit facts, filled in by the stages as they learn them. */
export interface RequestRecord {
  requestId: string;
  traceId?: string;
  clientIp?: string;
  principal?: Principal;
  method?: string;
  tool?: string;
  upstream?: string;
  degraded: boolean;
  threatScore?: number;
  /** Set when the called tool's definition is flagged as suspicious: the event says so. */
  note?: string;
  /** The call's arguments (secrets masked), only under an audit policy that includes them. */
  arguments?: Record<string, unknown>;
}

export interface PipelineDeps {
  ipGate: IpGate;
  authenticator: Authenticator;
  authorizer: Authorizer;
  rateLimiter: RateLimiter;
  sanitizer: Sanitizer;
  audit: AuditRecorder;
  dispatcher: McpDispatcher;
  catalogue: Catalogue;
  trustedProxies: AddressList | undefined;
  /** Audit events carry the call's arguments (secrets masked, size-bounded): `audit.includeArguments`. */
  auditIncludesArguments: boolean;
  maxBodyBytes: number;
  logger: Logger;
  /** `gateway_decisions_total`, counted once per finished request. */
  decisions: AuditMetrics['decisions'];
}

/**
 * The gateway request pipeline shared by /mcp and the REST facade. The order is the contract:
 *
 *  1. ip gate        — cheapest refusal, and a blocked address must not even learn whether it
 *                      holds valid credentials;
 *  2. authentication — everything after needs the principal;
 *  3. client checks  — source CIDRs and origins of the principal's client, before the body is read;
 *  (the transport reads and parses the body here, with the caller's body limit)
 *  4. route          — resolve the target (tool, prompt, resource) to its owner;
 *  5. authorization  — decided on the exact name the owner will execute; forbidden = unknown;
 *  6. rate limit     — after authorization, so refused calls do not spend the caller's budget,
 *                      and before validation, so a refused flood costs the least; for a
 *                      tools/call headed upstream the write-ahead audit record (`mcp.forward`:
 *                      admitted for forwarding) is appended in the same atomic store operation
 *                      (one round trip: admitted and on record, or neither);
 *  7. validation     — arguments against the tool's schema, identity fields in `_meta` refused
 *                      (a call refused here has its write-ahead record and a deny event);
 *  8. the call (breaker + timeout per upstream);
 *  9. always: sanitize the result, map errors, audit event, metrics.
 */
export class GatewayPipeline {
  private readonly argumentValidator = new ArgumentValidator();
  /** When each address last raised an incident here: one incident per address per window, not one per request. */
  private readonly incidents = new Map<string, number>();

  constructor(private readonly deps: PipelineDeps) {}

  /** The client's address as admission works it out (trusted proxies' X-Forwarded-For), for refusals made before it. */
  clientIpOf(input: { headers: IncomingHttpHeaders; socketAddress?: string }): string {
    return clientIpOf(input.socketAddress, input.headers['x-forwarded-for'], this.deps.trustedProxies);
  }

  /** Stages 1–3: runs on headers only. Throws {@link Denial}. */
  async admit(input: { headers: IncomingHttpHeaders; url: string; socketAddress?: string }, record: RequestRecord): Promise<Admission> {
    const clientIp = clientIpOf(input.socketAddress, input.headers['x-forwarded-for'], this.deps.trustedProxies);
    record.clientIp = clientIp;
    // A request refused here is still correlated with the caller's trace (its span starts later).
    const traceContext = extractTraceContext(input.headers, context.active(), { lowerCaseNames: true });
    record.traceId ??= traceIdOf(traceContext);
    let ip;
    try {
      ip = await this.deps.ipGate.check(clientIp);
    } catch (err) {
      if (err instanceof ThreatBlocked) {
        record.threatScore = err.threatScore;
        await this.incident(record, err);
      }
      throw err;
    }
    record.degraded = ip.degraded;
    if (ip.threatScore !== undefined) record.threatScore = ip.threatScore;
    const principal = await this.deps.authenticator.authenticate(input.headers, input.url, clientIp);
    record.principal = principal;
    const origin = input.headers['origin'];
    this.deps.authorizer.checkRequest(principal, clientIp, typeof origin === 'string' ? origin : undefined);
    const policy = this.deps.authorizer.policyOf(principal);
    return { clientIp, principal, degraded: ip.degraded, threatScore: ip.threatScore, maxBodyBytes: policy?.maxRequestBytes ?? this.deps.maxBodyBytes, traceContext };
  }

  /** Stages 4–9 for one parsed MCP request. Throws {@link JsonRpcError} or {@link Denial}. */
  async execute(
    admission: Admission,
    request: {
      method: string;
      params: Record<string, unknown> | undefined;
      era: Era;
      cancellation: Cancellation;
      onProgress?: DispatchContext['onProgress'];
      /** Gets an upstream log message's level, and its sanitized form on demand (only for one it sends). */
      onLog?: (level: string, sanitized: () => UpstreamLog) => void;
      /** Gets the upstream's sampling and elicitation requests for this call, params sanitized. */
      onServerRequest?: DispatchContext['onServerRequest'];
      /** Gets the admission's headers (rate limits) as soon as they are known, before dispatch. */
      onAdmitted?: (headers: Record<string, string>) => void;
    },
    record: RequestRecord,
  ): Promise<{ result: Record<string, unknown>; headers: Record<string, string> }> {
    const { principal } = admission;
    const { authorizer, catalogue } = this.deps;
    record.method = request.method;
    const ctx: DispatchContext = {
      era: request.era,
      cancellation: request.cancellation,
      onProgress: request.onProgress && this.sanitizedProgress(request.onProgress, record),
      onLog: request.onLog && ((log) => request.onLog?.(log.level, () => this.deps.sanitizer.value(log, record.tool).value)),
      // What an upstream asks the client (a prompt for its model, a form for its user) is upstream output too.
      onServerRequest: request.onServerRequest && ((ask) => this.relayServerRequest(ask, record, request.onServerRequest)),
      mayUse: (name) => authorizer.mayUse(principal, name),
      mayRead: (uri) => authorizer.mayRead(principal, uri),
    };

    // The method, then the request's shape: a malformed call is answered as such, before any
    // routing, and spends a token like any call (past the limit its answer is the 429).
    let params: Record<string, unknown>;
    try {
      if (!this.deps.dispatcher.serves(request.method, request.era)) throw rpcErrors.methodNotFound(request.method);
      params = validateParams(request.method, request.params);
    } catch (err) {
      await this.deps.rateLimiter.admit(principal, undefined);
      throw err;
    }
    let headers: Record<string, string> = {};
    if (request.method === 'tools/call') {
      const name = typeof request.params?.['name'] === 'string' ? request.params['name'] : '';
      record.tool = name;
      await catalogue.ensureLoaded();
      const tool = catalogue.findTool(name); // 4. route
      if (!tool || !authorizer.mayUse(principal, name)) throw rpcErrors.unknownTool(name); // 5.
      record.upstream = tool.owner.kind === 'builtin' ? 'builtin' : tool.owner.upstream.id;
      if (tool.flags?.length) record.note = 'flagged_tool';
      const args = request.params?.['arguments'] ?? {};
      if (this.deps.auditIncludesArguments) record.arguments = this.auditedArguments(args);
      const forwards = tool.owner.kind === 'upstream';
      // 6. + 8a.: one atomic admission, with the write-ahead record for a call headed upstream.
      headers = await this.deps.rateLimiter.admit(principal, name, forwards ? this.writeAhead(record) : undefined);
      rejectIdentityMeta(request.params); // 7.
      if (forwards) this.argumentValidator.check(tool.definition, args);
    } else {
      headers = await this.deps.rateLimiter.admit(principal, undefined);
      rejectIdentityMeta(request.params);
    }
    request.onAdmitted?.(headers);

    let result: Record<string, unknown>;
    try {
      result = await this.deps.dispatcher.dispatch(request.method, params, ctx);
    } catch (err) {
      // 9. also for failures: an upstream's error message and data are its output too.
      throw err instanceof JsonRpcError ? this.sanitizeError(err, record.tool) : err;
    } finally {
      record.upstream ??= ctx.upstream;
    }
    const sanitized = this.deps.sanitizer.result(result, record.tool); // 9.
    // An input_required answer's requestState is the upstream's opaque token, to be echoed byte for
    // byte: never redacted, so refused when it carries what the policy would redact (a signed token aside).
    if (result['resultType'] === 'input_required' && 'requestState' in result) {
      const state = result['requestState'];
      const found = typeof state === 'string' ? this.deps.sanitizer.findingsInToken(state, record.tool) : [];
      if (found.length > 0) {
        throw new JsonRpcError(RPC.UPSTREAM_UNAVAILABLE, `Upstream ${ctx.upstream ?? 'unknown'}: its requestState carries data the sanitize policy redacts (${found.join(', ')})`, {
          reason: 'input_required',
        });
      }
      if (sanitized.value !== result) return { result: { ...sanitized.value, requestState: state }, headers };
    }
    return { result: sanitized.value, headers };
  }

  /** A `subscriptions/listen` stream costs one rate-limit token like any request. */
  async acceptSubscription(admission: Admission, record: RequestRecord): Promise<void> {
    record.method = 'subscriptions/listen';
    await this.deps.rateLimiter.admit(admission.principal, undefined);
  }

  /** The audit event of a finished request (stage 9); never throws. */
  async finish(record: RequestRecord, outcome: { status: number; decision: 'allow' | 'deny' | 'error'; reason?: string; durationMs: number }, type: 'mcp.request' | 'rest.request'): Promise<void> {
    // Counted whether or not the event can be recorded: the decision was made and answered either way.
    // The reason is the event's (outcome, else the record's note), so metric and trail agree.
    this.deps.decisions.inc({ decision: outcome.decision, reason: reasonLabel(outcome.reason ?? record.note), type });
    try {
      await this.deps.audit.record(this.auditInput(record, type, outcome));
    } catch (err) {
      this.deps.logger.error('audit event not recorded', { err, request_id: record.requestId });
    }
  }

  /** An upstream's request for the client: the spec's fields only, sanitized (refused when it has none to relay). */
  private relayServerRequest(ask: UpstreamServerRequest, record: RequestRecord, relay: DispatchContext['onServerRequest']): void {
    const params = relayedParams(ask.method, ask.params);
    if (!params || !relay) return ask.respond(unreachableClient(ask.method));
    relay({ method: ask.method, params: this.deps.sanitizer.value(params, record.tool).value, respond: ask.respond });
  }

  /** A client's POSTed answer to a relayed request costs a rate-limit token like any request. */
  async acceptClientAnswer(admission: Admission, record: RequestRecord): Promise<void> {
    record.method = 'client/response';
    await this.deps.rateLimiter.admit(admission.principal, undefined);
  }

  /**
   * Spends a token for a body refused after admission (invalid JSON, a batch, a header mismatch):
   * a flood of invalid calls is still a flood. Throws the limiter's 429 denial.
   */
  async charge(admission: Admission): Promise<void> {
    await this.deps.rateLimiter.admit(admission.principal, undefined);
  }

  /** A progress notification's message is upstream output too: sanitized like the result (stage 9), as are log messages. */
  private sanitizedProgress(relay: NonNullable<DispatchContext['onProgress']>, record: RequestRecord): NonNullable<DispatchContext['onProgress']> {
    return (update) => {
      if (update.message === undefined) return relay(update);
      relay({ ...update, message: this.deps.sanitizer.message(update.message, record.tool) });
    };
  }

  /** Sanitizes a relayed error's message and data (upstream errors can carry secrets too). */
  sanitizeError(err: JsonRpcError, tool: string | undefined): JsonRpcError {
    const message = cappedMessage(this.deps.sanitizer.message(err.message, tool));
    const data = err.options.data === undefined ? { value: undefined, redactions: 0 } : this.deps.sanitizer.value(err.options.data, tool);
    if (message === err.message && data.redactions === 0) return err;
    return new JsonRpcError(err.code, message, { ...err.options, data: data.value });
  }

  /**
   * A reputation block is a security incident (`security.incident` in the audit trail, which the
   * collector turns into incidents and alerts): one per address per minute per replica, so a
   * flood from one address does not flood the trail. Never throws.
   */
  private async incident(record: RequestRecord, blocked: ThreatBlocked): Promise<void> {
    const ip = record.clientIp ?? '';
    const now = Date.now();
    if ((this.incidents.get(ip) ?? 0) > now - 60_000) return;
    if (this.incidents.size >= 10_000) this.incidents.clear();
    this.incidents.set(ip, now);
    try {
      await this.deps.audit.record(this.auditInput(record, 'security.incident', { status: blocked.status, decision: 'deny', reason: blocked.reason, durationMs: 0 }));
    } catch (err) {
      this.deps.logger.error('security incident not recorded', { err, request_id: record.requestId });
    }
  }

  private writeAhead(record: RequestRecord): AdmissionAppend {
    return this.deps.audit.writeAhead(this.auditInput(record, 'mcp.forward', { status: 102, decision: 'allow', durationMs: 0 }));
  }

  /** Secrets masked whatever the sanitize policy; too large → a marker with the size. */
  private auditedArguments(args: unknown): Record<string, unknown> {
    if (!args || typeof args !== 'object' || Array.isArray(args)) return { _invalid: true };
    const masked = this.deps.sanitizer.secrets(args as Record<string, unknown>);
    const bytes = Buffer.byteLength(JSON.stringify(masked));
    return bytes <= AUDIT_ARGUMENTS_MAX_BYTES ? masked : { _truncated: true, bytes };
  }

  /** The request's audit facts as an event body (bounded lengths; absent facts are left out). */
  private auditInput(
    record: RequestRecord,
    type: AuditInput['type'],
    outcome: { status: number; decision: 'allow' | 'deny' | 'error'; reason?: string; durationMs: number },
  ): AuditInput {
    const principal = record.principal;
    const input: AuditInput = { type, request_id: record.requestId, decision: outcome.decision, status: outcome.status, duration_ms: Math.round(outcome.durationMs * 1000) / 1000, degraded: record.degraded };
    if (record.traceId) input.trace_id = record.traceId;
    if (principal) input.user = (principal.user || principal.id).slice(0, 256);
    if (principal?.clientId) input.client_id = principal.clientId;
    if (record.method) input.method = record.method.slice(0, 128);
    if (record.tool) input.tool = record.tool.slice(0, 128);
    if (record.upstream) input.upstream = record.upstream;
    if (record.clientIp) input.client_ip = record.clientIp;
    const reason = outcome.reason ?? record.note;
    if (reason) input.reason = reason;
    if (record.threatScore !== undefined) input.threat_score = record.threatScore;
    if (record.arguments) input.arguments = record.arguments;
    return input;
  }
}

/** The trace id of the caller's W3C `traceparent`, when it sent a valid one. */
function traceIdOf(traceContext: Context): string | undefined {
  const spanContext = trace.getSpanContext(traceContext);
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

export { Denial };
