import { isInputRequiredResult } from '@modelcontextprotocol/client';
import { sleep } from '@mcpgw/resilience';
import type { UpstreamServerRequest } from '../mcp/server-requests.js';
import { isJsonObject } from '../support/json-object.js';

/** The requests a 2026-07-28 upstream may answer with `input_required` (multi round-trip requests). */
export const MULTI_ROUND_TRIP_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Most rounds of input one call may need, as the SDK's own driver allows (`inputRequired.maxRounds`). */
export const MAX_INPUT_ROUNDS = 10;

/** The pause before sending again a round that only carries state (nothing was asked), as the SDK's driver paces it. */
export const STATE_ONLY_ROUND_PAUSE_MS = 250;

/** The upstream needs input the calling client cannot give through the gateway. */
export class InputRequiredError extends Error {
  readonly code = 'UPSTREAM_INPUT_REQUIRED';
  constructor(message: string) {
    super(message);
    this.name = 'InputRequiredError';
  }
}

export const isInputRequired = (result: Record<string, unknown>): boolean => isInputRequiredResult(result);

/** The embedded requests of an `input_required` answer (empty for a round that only carries state). */
export function inputRequestsOf(answer: Record<string, unknown>): Array<[string, unknown]> {
  return isJsonObject(answer['inputRequests']) ? Object.entries(answer['inputRequests']) : [];
}

/** The capability a client declares to be asked `method` (`sampling`, `elicitation`, `roots`). */
export function capabilityFor(method: string): string | undefined {
  return { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation', 'roots/list': 'roots' }[method];
}

export interface InputRound {
  /** The original request's params. */
  readonly params: Record<string, unknown>;
  /** The call's signal: a pause between rounds ends with it. */
  readonly signal: AbortSignal;
  /** Asks the calling client one embedded request; resolves with its bare result. */
  ask(method: string, params: Record<string, unknown> | undefined): Promise<Record<string, unknown>>;
  /** Sends the request again with the round's answers. */
  retry(params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * Fulfils an upstream's `input_required` answer for a client of the 2025 era, which knows only
 * server-to-client requests: each embedded request is asked of the client as one (relayed like a
 * 2025-era upstream's own), and the request is sent again with the answers (`inputResponses`) and
 * the upstream's `requestState` echoed byte for byte, until the upstream completes. The SDK's own
 * driver does this with the handlers registered on its client, which are shared by every call on
 * the connection and cannot tell whose client to ask (ADR 0007).
 */
export async function fulfilInputRequired(first: Record<string, unknown>, round: InputRound): Promise<Record<string, unknown>> {
  let answer = first;
  for (let rounds = 0; isInputRequired(answer); rounds += 1) {
    if (rounds >= MAX_INPUT_ROUNDS) throw new InputRequiredError(`the upstream still required input after ${MAX_INPUT_ROUNDS} rounds`);
    const requests = inputRequestsOf(answer);
    // Nothing to ask: the upstream is working on it (load shedding); do not call it again at once.
    if (requests.length === 0) await sleep(STATE_ONLY_ROUND_PAUSE_MS, round.signal);
    const responses: Record<string, unknown> = {};
    for (const [key, request] of requests) {
      if (!isJsonObject(request) || typeof request['method'] !== 'string') throw new InputRequiredError(`input request ${JSON.stringify(key.slice(0, 64))} has no method`);
      responses[key] = await round.ask(request['method'], isJsonObject(request['params']) ? request['params'] : undefined);
    }
    const requestState = answer['requestState'];
    answer = await round.retry({
      ...round.params,
      ...(requests.length > 0 && { inputResponses: responses }),
      ...(requestState !== undefined && { requestState }),
    });
  }
  return answer;
}

/**
 * `ask` through the relay of server requests (`onrequest`): the client's result, or a failure
 * when it refuses or the call ends first.
 */
export function askThrough(onrequest: (request: UpstreamServerRequest) => void, signal: AbortSignal): InputRound['ask'] {
  return (method, params) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      onrequest({
        method,
        params,
        respond: (answer) => {
          signal.removeEventListener('abort', onAbort);
          if ('result' in answer) resolve(answer.result);
          else reject(new InputRequiredError(`the client did not answer ${method}: ${answer.error.message.slice(0, 200)}`));
        },
      });
    });
}

