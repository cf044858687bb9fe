import { describe, expect, it } from 'vitest';
import type { UpstreamServerRequest } from '../mcp/server-requests.js';
import { askThrough, fulfilInputRequired, InputRequiredError, MAX_INPUT_ROUNDS } from './input-required.js';

const needs = (requests: Record<string, unknown> | undefined, requestState?: string) => ({
  resultType: 'input_required',
  ...(requests && { inputRequests: requests }),
  ...(requestState !== undefined && { requestState }),
});
const elicit = { method: 'elicitation/create', params: { message: 'Sure?' } };
const done = { content: [{ type: 'text', text: 'done' }] };
const signal = new AbortController().signal;

describe('fulfilInputRequired', () => {
  it('asks every embedded request, then sends the request again with the answers and the echoed state', async () => {
    const asked: unknown[] = [];
    const retries: Array<Record<string, unknown>> = [];
    const result = await fulfilInputRequired(needs({ a: elicit, b: { method: 'sampling/createMessage', params: { maxTokens: 1 } } }, 'state-1'), {
      params: { name: 'deploy', arguments: { env: 'prod' } },
      signal,
      ask: async (method, params) => {
        asked.push([method, params]);
        return { answered: method };
      },
      retry: async (params) => {
        retries.push(params);
        return done;
      },
    });
    expect(result).toBe(done);
    expect(asked).toEqual([
      ['elicitation/create', { message: 'Sure?' }],
      ['sampling/createMessage', { maxTokens: 1 }],
    ]);
    expect(retries).toEqual([
      {
        name: 'deploy',
        arguments: { env: 'prod' },
        inputResponses: { a: { answered: 'elicitation/create' }, b: { answered: 'sampling/createMessage' } },
        requestState: 'state-1',
      },
    ]);
  });

  it('sends a state-only round again with the state and no answers', async () => {
    const retries: Array<Record<string, unknown>> = [];
    await fulfilInputRequired(needs(undefined, 'busy'), {
      params: { name: 't' },
      signal,
      ask: () => Promise.reject(new Error('nothing to ask')),
      retry: async (params) => (retries.push(params), done),
    });
    expect(retries).toEqual([{ name: 't', requestState: 'busy' }]);
  });

  it('ends the pause before a state-only round when the call ends', async () => {
    const controller = new AbortController();
    const pending = fulfilInputRequired(needs(undefined, 'busy'), { params: {}, signal: controller.signal, ask: async () => ({}), retry: async () => done });
    controller.abort(new Error('call ended'));
    await expect(pending).rejects.toThrow('call ended');
  });

  it(`stops after ${MAX_INPUT_ROUNDS} rounds of an upstream that keeps asking`, async () => {
    let rounds = 0;
    const endless = fulfilInputRequired(needs({ a: elicit }), {
      params: {},
      signal,
      ask: async () => ({ action: 'decline' }),
      retry: async () => ((rounds += 1), needs({ a: elicit })),
    });
    await expect(endless).rejects.toThrow(new InputRequiredError(`the upstream still required input after ${MAX_INPUT_ROUNDS} rounds`));
    expect(rounds).toBe(MAX_INPUT_ROUNDS);
  });

  it('refuses an embedded request without a method', async () => {
    const round = { params: {}, signal, ask: async () => ({}), retry: async () => done };
    await expect(fulfilInputRequired(needs({ odd: { params: {} } }), round)).rejects.toBeInstanceOf(InputRequiredError);
  });
});

describe('askThrough', () => {
  const relayTo = (answer: Parameters<UpstreamServerRequest['respond']>[0] | undefined) => (request: UpstreamServerRequest) => {
    if (answer) request.respond(answer);
  };

  it("resolves with the client's result and fails with its error", async () => {
    const signal = new AbortController().signal;
    await expect(askThrough(relayTo({ result: { action: 'accept' } }), signal)('elicitation/create', {})).resolves.toEqual({ action: 'accept' });
    await expect(askThrough(relayTo({ error: { code: -32601, message: 'no elicitation here' } }), signal)('elicitation/create', {})).rejects.toThrow(
      'the client did not answer elicitation/create: no elicitation here',
    );
  });

  it('fails when the call ends before the client answers', async () => {
    const controller = new AbortController();
    const pending = askThrough(relayTo(undefined), controller.signal)('elicitation/create', {});
    controller.abort(new Error('call ended'));
    await expect(pending).rejects.toThrow('call ended');
  });
});
