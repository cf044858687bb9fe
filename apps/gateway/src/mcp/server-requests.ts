import { randomBytes, randomUUID } from 'node:crypto';
import { InFlightMap } from '../support/in-flight-map.js';
import { isJsonObject } from '../support/json-object.js';

/** A client's answer to a relayed server request: its result, or its error. */
export type ClientAnswer =
  | { result: Record<string, unknown> }
  | { error: { code: number; message: string; data?: unknown } };

/** The server-to-client requests the gateway can relay (MCP 2025-era sampling and elicitation). */
export const RELAYABLE_SERVER_REQUESTS: ReadonlySet<string> = new Set(['sampling/createMessage', 'elicitation/create']);

/** A request an upstream sent to the calling client during a call, as the exchange hands it on. */
export interface UpstreamServerRequest {
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
  /** Sends the client's answer, or the gateway's refusal, to the upstream. */
  respond(answer: ClientAnswer): void;
}

/** Most relayed requests waiting for their client's answer in one process. */
export const MAX_PENDING_SERVER_REQUESTS = 10_000;
/** Most of them for one principal, so one caller (or the upstreams it calls) cannot use up the rest. */
export const MAX_PENDING_PER_PRINCIPAL = 64;

/** The refusal an upstream gets when its request cannot reach the client. */
export const unreachableClient = (method: string): ClientAnswer => ({
  error: { code: -32603, message: `${method}: the calling client cannot be reached through the gateway for this call` },
});

/**
 * Server requests relayed to clients and not answered yet, by the id the gateway gave them (the
 * upstream's own ids would collide across upstreams and calls). A client answers with a POST of
 * its own; the answer goes to the upstream only when it comes from the principal the request was
 * relayed to. Entries live as long as the call that carried the request. Process-local: the answer
 * must reach the replica serving the call, as it does over the client's one keep-alive connection
 * or behind session-affine load balancing.
 */
export class PendingServerRequests {
  private readonly pending = new InFlightMap<string, PendingRequest>();
  private readonly perPrincipal = new Map<string, number>();
  /** This process's part of every id it gives, so another replica knows whom to pass an answer to. */
  readonly replica = randomBytes(6).toString('hex');

  /** Registers a relayed request; its id for the client, or undefined when too many are pending. */
  open(principal: string, method: string, respond: (answer: ClientAnswer) => void): string | undefined {
    const held = this.perPrincipal.get(principal) ?? 0;
    if (this.pending.size >= MAX_PENDING_SERVER_REQUESTS || held >= MAX_PENDING_PER_PRINCIPAL) return undefined;
    const id = `gw-req-${this.replica}-${randomUUID()}`;
    this.pending.set(id, { principal, method, respond });
    this.perPrincipal.set(principal, held + 1);
    return id;
  }

  /**
   * Hands a client's answer to the upstream; false when no request of this principal has the id.
   * An answer of the wrong shape for the request reaches the upstream as an invalid-params error.
   */
  answer(principal: string, id: string, answer: ClientAnswer): boolean {
    const entry = this.pending.get(id);
    if (!entry || entry.principal !== principal) return false;
    this.take(id);
    entry.respond('result' in answer && !wellFormedResult(entry.method, answer.result) ? malformedAnswer(entry.method) : answer);
    return true;
  }

  /** Whether the request still waits for its client. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Removes a request whose call is over and returns it, so its upstream can be told. */
  take(id: string): PendingRequest | undefined {
    const entry = this.pending.take(id);
    if (!entry) return undefined;
    const held = (this.perPrincipal.get(entry.principal) ?? 1) - 1;
    if (held > 0) this.perPrincipal.set(entry.principal, held);
    else this.perPrincipal.delete(entry.principal);
    return entry;
  }

  get size(): number {
    return this.pending.size;
  }
}

interface PendingRequest {
  readonly principal: string;
  readonly method: string;
  readonly respond: (answer: ClientAnswer) => void;
}

const malformedAnswer = (method: string): ClientAnswer => ({
  error: { code: -32602, message: `${method}: the client's answer is not a valid result` },
});

/** The least a result must have to be what the upstream asked for (the spec's required fields). */
function wellFormedResult(method: string, result: Record<string, unknown>): boolean {
  if (method === 'sampling/createMessage') {
    const content = result['content'];
    return typeof result['model'] === 'string' && typeof result['role'] === 'string' && (isJsonObject(content) || (Array.isArray(content) && content.every(isJsonObject)));
  }
  const action = result['action'];
  const content = result['content'];
  return (action === 'accept' || action === 'decline' || action === 'cancel') && (content === undefined || (isJsonObject(content) && Object.values(content).every(isElicitedValue)));
}

function isElicitedValue(value: unknown): boolean {
  return ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
}

/** Fields of each relayed request a client may see; everything else the upstream sent is dropped. */
const RELAYED_PARAMS: Readonly<Record<string, readonly string[]>> = {
  'sampling/createMessage': ['messages', 'modelPreferences', 'systemPrompt', 'temperature', 'maxTokens', 'stopSequences', 'metadata', 'tools', 'toolChoice'],
  'elicitation/create': ['mode', 'message', 'requestedSchema'],
};

/**
 * The params a client gets for an upstream's request, rebuilt from the fields the spec defines for
 * it: no `_meta` (progress tokens, related tasks), no `task`, and no `includeContext`, since to
 * the client "this server" is the gateway with every upstream behind it. Undefined for a request
 * the gateway does not relay: URL-mode elicitation (the gateway declares form mode only).
 */
export function relayedParams(method: string, params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const fields = RELAYED_PARAMS[method];
  if (!fields || !params) return undefined;
  if (method === 'elicitation/create' && params['mode'] !== undefined && params['mode'] !== 'form') return undefined;
  const rebuilt: Record<string, unknown> = {};
  for (const field of fields) if (params[field] !== undefined) rebuilt[field] = params[field];
  return rebuilt;
}

/** The replica that gave `id`, when it is one of the gateway's relayed-request ids. */
export function replicaOf(id: string): string | undefined {
  return /^gw-req-([0-9a-f]{12})-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(id)?.[1];
}

/** A POSTed JSON-RPC response to a relayed request, or undefined when the body is not one. */
export function clientAnswerOf(body: unknown): { id: string; answer: ClientAnswer } | undefined {
  if (!isJsonObject(body) || typeof body['id'] !== 'string') return undefined;
  const { id, result, error } = body;
  if (isJsonObject(result)) return { id, answer: { result } };
  if (isJsonObject(error) && Number.isInteger(error['code']) && typeof error['message'] === 'string') {
    const data = error['data'];
    return { id, answer: { error: { code: error['code'] as number, message: error['message'], ...(data !== undefined && { data }) } } };
  }
  return undefined;
}

