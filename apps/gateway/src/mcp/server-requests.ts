import { randomUUID } from 'node:crypto';

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
  private readonly pending = new Map<string, { principal: string; respond: (answer: ClientAnswer) => void }>();

  /** Registers a relayed request; its id for the client, or undefined when too many are pending. */
  open(principal: string, respond: (answer: ClientAnswer) => void): string | undefined {
    if (this.pending.size >= MAX_PENDING_SERVER_REQUESTS) return undefined;
    const id = `gw-req-${randomUUID()}`;
    this.pending.set(id, { principal, respond });
    return id;
  }

  /** Hands a client's answer to the upstream; false when no request of this principal has the id. */
  answer(principal: string, id: string, answer: ClientAnswer): boolean {
    const entry = this.pending.get(id);
    if (!entry || entry.principal !== principal) return false;
    this.pending.delete(id);
    entry.respond(answer);
    return true;
  }

  /** Forgets a request whose call is over (the upstream no longer waits for it). */
  close(id: string): void {
    this.pending.delete(id);
  }

  get size(): number {
    return this.pending.size;
  }
}

/** A POSTed JSON-RPC response to a relayed request, or undefined when the body is not one. */
export function clientAnswerOf(body: unknown): { id: string; answer: ClientAnswer } | undefined {
  if (!isObject(body) || typeof body['id'] !== 'string') return undefined;
  const { id, result, error } = body;
  if (isObject(result)) return { id, answer: { result } };
  if (isObject(error) && Number.isInteger(error['code']) && typeof error['message'] === 'string') {
    const data = error['data'];
    return { id, answer: { error: { code: error['code'] as number, message: error['message'], ...(data !== undefined && { data }) } } };
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
