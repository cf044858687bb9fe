/**
 * A 2026-07-28 upstream that answers `input_required` (multi round-trip requests): a modern client
 * gets the answer as it is and calls again with its answers; a 2025-era client is asked each
 * embedded request as a server request on the call's SSE answer, and the gateway calls the
 * upstream again with the answers and the upstream's `requestState`. A client that cannot be
 * asked, or an upstream not allowed to ask, gets a clear error with its id.
 */
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcpUpstream, type FakeMcpUpstream, type FakeTool } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

/** Deploys only once the user confirmed; each round after the first must echo the round's state. */
const deployTool: FakeTool = {
  name: 'deploy',
  inputSchema: { type: 'object', properties: { env: { type: 'string' } }, required: ['env'] },
  handler: (args, ctx) => {
    const answer = ctx.inputResponses?.['confirm'] as { action?: string; content?: { confirm?: boolean } } | undefined;
    if (answer?.action !== 'accept') {
      return {
        resultType: 'input_required',
        inputRequests: {
          confirm: {
            method: 'elicitation/create',
            params: { message: `Deploy to ${String(args['env'])}?`, requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } },
          },
        },
        requestState: 'awaiting-confirmation',
      };
    }
    return { content: [{ type: 'text', text: `deployed to ${String(args['env'])}: confirm=${String(answer.content?.confirm)} state=${String(ctx.requestState)}` }] };
  },
};

/** A sealed state shaped like a JWT, which the secrets policy would redact anywhere else in a result. */
const SEALED_STATE = 'eyJhbGciOiJIUzI1NiJ9.eyJyb3VuZCI6MX0.c2lnbmF0dXJlLXZhbHVlLWhlcmUx';

/** Confirms with the user, keeping its progress in a sealed state it checks on the way back. */
const sealedTool: FakeTool = {
  name: 'sealed',
  inputSchema: { type: 'object' },
  handler: (_args, ctx) => {
    if (ctx.requestState === undefined) {
      return {
        resultType: 'input_required',
        inputRequests: { ok: { method: 'elicitation/create', params: { message: 'Go on?', requestedSchema: { type: 'object', properties: {} } } } },
        requestState: SEALED_STATE,
      };
    }
    return { content: [{ type: 'text', text: ctx.requestState === SEALED_STATE ? 'state intact' : `state changed: ${String(ctx.requestState)}` }] };
  },
};

/** Works in three steps, each a round that only carries state (nothing to ask the client). */
const stepAt: number[] = [];
const stepTool: FakeTool = {
  name: 'step',
  inputSchema: { type: 'object' },
  handler: (_args, ctx) => {
    stepAt.push(Date.now());
    const step = typeof ctx.requestState === 'string' ? Number(ctx.requestState) : 0;
    if (step < 3) return { resultType: 'input_required', requestState: String(step + 1) };
    return { content: [{ type: 'text', text: `done after ${step} steps` }] };
  },
};

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [deployTool, sealedTool, stepTool] });
  gateway = await startGateway({
    file: {
      upstreams: [
        { id: 'ask', transport: 'streamable-http', url: upstream.url, serverRequests: ['elicitation'] },
        { id: 'mute', transport: 'streamable-http', url: upstream.url },
      ],
    },
  });
  await gateway.core.catalogue.ensureLoaded();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const textOf = (result: unknown) => ((result as { content?: Array<{ text: string }> }).content?.[0]?.text ?? '');

describe('an upstream that needs input from the user', () => {
  it('is modern: its calls come back from the upstream as input_required', async () => {
    expect(gateway.logLines.some((l) => l.includes('"upstream":"ask","protocol_version":"2026-07-28"'))).toBe(true);
  });

  it("reaches a modern client as input_required; the client's second call, with its answers, completes", async () => {
    const asked: unknown[] = [];
    const client = new V2Client({ name: 'modern', version: '1' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } });
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params);
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(new V2Transport(new URL(gateway.mcpUrl)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const result = await client.callTool({ name: 'ask__deploy', arguments: { env: 'prod' } });
      expect(textOf(result)).toBe('deployed to prod: confirm=true state=awaiting-confirmation');
      expect(asked).toEqual([expect.objectContaining({ message: 'Deploy to prod?' })]);
    } finally {
      await client.close();
    }
  });

  it("hands a modern client the upstream's requestState byte for byte, though it looks like a secret", async () => {
    const client = new V2Client({ name: 'modern', version: '1' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: {} }));
    await client.connect(new V2Transport(new URL(gateway.mcpUrl)));
    try {
      expect(textOf(await client.callTool({ name: 'ask__sealed', arguments: {} }))).toBe('state intact');
    } finally {
      await client.close();
    }
  });

  it('does not hand a modern client a request it did not declare it can answer', async () => {
    const client = new V2Client({ name: 'modern', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Transport(new URL(gateway.mcpUrl)));
    try {
      await expect(client.callTool({ name: 'ask__deploy', arguments: { env: 'prod' } })).rejects.toThrow(/needs elicitation from the client, which did not declare it/);
      expect(gateway.core.upstreams.get('ask')?.breakerState).toBe('closed');
    } finally {
      await client.close();
    }
  });

  it('sends rounds that only carry state again itself, paced, even for a client that cannot be asked', async () => {
    stepAt.length = 0;
    const res = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'steps', method: 'tools/call', params: { name: 'ask__step', arguments: {} } }),
    });
    expect(textOf(((await res.json()) as { result?: unknown }).result)).toBe('done after 3 steps');
    expect(stepAt).toHaveLength(4);
    // The SDK's own driver waits 250 ms before a state-only round; so does the gateway (timers never fire early).
    for (let i = 1; i < stepAt.length; i += 1) expect((stepAt[i] ?? 0) - (stepAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(240);
  });

  it('asks a 2025-era client on the call, and calls the upstream again with its answer and the state', async () => {
    const asked: unknown[] = [];
    const client = new Client({ name: 'legacy', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    try {
      const result = await client.callTool({ name: 'ask__deploy', arguments: { env: 'staging' } });
      expect(textOf(result)).toBe('deployed to staging: confirm=true state=awaiting-confirmation');
      expect(asked).toEqual([expect.objectContaining({ message: 'Deploy to staging?' })]);
    } finally {
      await client.close();
    }
  });

  it('fails the call of a 2025-era client that declined, with its id', async () => {
    const client = new Client({ name: 'legacy', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    try {
      // Declining is an answer: the upstream asks again, until the round cap ends the call.
      await expect(client.callTool({ name: 'ask__deploy', arguments: { env: 'prod' } })).rejects.toThrow(/still required input after 10 rounds/);
    } finally {
      await client.close();
    }
  });

  it('answers a client that cannot be asked (plain JSON, the REST facade) with a clear error and its id', async () => {
    const res = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'plain-1', method: 'tools/call', params: { name: 'ask__deploy', arguments: { env: 'prod' } } }),
    });
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: 'plain-1',
      error: { code: -32001, message: 'Upstream ask: upstream ask needs input from the client, which cannot be asked through the gateway for this request' },
    });
    const rest = await fetch(`${gateway.url}/mcp/call/ask__deploy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"env":"prod"}' });
    expect(rest.status).toBe(503);
  });

  it('does not offer elicitation to an upstream whose config does not allow it: the upstream refuses the call, its breaker stays closed', async () => {
    const client = new Client({ name: 'legacy', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { confirm: true } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    try {
      for (let i = 0; i < 6; i += 1) {
        // The upstream's own error (-32021: the gateway's connection declared no elicitation capability), relayed.
        await expect(client.callTool({ name: 'mute__deploy', arguments: { env: 'prod' } })).rejects.toThrow(/-32021/);
      }
      expect(gateway.core.upstreams.get('mute')?.breakerState).toBe('closed');
    } finally {
      await client.close();
    }
  });
});
