/**
 * Attack suite — authorization: default deny, roles → tool sets, per-client policies. A caller
 * without the role cannot call or see the tool, and its refusal is byte for byte the refusal of a
 * tool that does not exist; a client bound to one upstream cannot reach another's tools; lookalike
 * names are just unknown names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  echoTool,
  startFakeMcpUpstream,
  type FakeMcpUpstream,
  type FakeTool,
} from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { callTool, http, listToolNames, resultOf, rpc, type Answer } from './support/rpc.js';
import { expectUntouched, mark } from './support/upstream-guard.js';

const wipeTool: FakeTool = {
  name: 'wipe',
  description: 'Deletes everything.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  handler: () => ({ content: [{ type: 'text', text: 'wiped' }] }),
};

const config = (alphaUrl: string, betaUrl: string) => ({
  toolSets: {
    readers: { requiredRole: 'reader', tools: ['alpha__echo', 'beta__echo'] },
    operators: { requiredRole: 'operator', tools: ['alpha__wipe'] },
  },
  clients: [{ id: 'alpha-only', allowedTools: ['alpha__*'] }],
  upstreams: [
    { id: 'alpha', transport: 'streamable-http', url: alphaUrl },
    { id: 'beta', transport: 'streamable-http', url: betaUrl },
  ],
});

let alpha: FakeMcpUpstream;
let beta: FakeMcpUpstream;
let alphaWithoutWipe: FakeMcpUpstream;
let gateway: GatewayHarness;
/** The same gateway config in front of an `alpha` that has no `wipe` tool: its refusals are real "unknown tool" ones. */
let reference: GatewayHarness;
const keys: Record<string, string> = {};
let referenceReaderKey: string;

const as = (who: string) => ({ headers: { 'x-api-key': keys[who] ?? '' } });

beforeAll(async () => {
  alpha = await startFakeMcpUpstream({
    sdk: 'v1',
    stateful: false,
    tools: [echoTool, wipeTool],
    name: 'alpha',
  });
  beta = await startFakeMcpUpstream({
    sdk: 'v1',
    stateful: false,
    tools: [echoTool],
    name: 'beta',
  });
  alphaWithoutWipe = await startFakeMcpUpstream({
    sdk: 'v1',
    stateful: false,
    tools: [echoTool],
    name: 'alpha',
  });
  gateway = await startGateway({ openAccess: false, file: config(alpha.url, beta.url) });
  reference = await startGateway({
    openAccess: false,
    file: config(alphaWithoutWipe.url, beta.url),
  });
  const issue = async (g: GatewayHarness, roles: string[], clientId?: string) =>
    (await g.core.apiKeys.create({ owner: 'test', roles, ...(clientId ? { clientId } : {}) })).key;
  keys['reader'] = await issue(gateway, ['reader']);
  keys['operator'] = await issue(gateway, ['operator', 'reader']);
  keys['nobody'] = await issue(gateway, []);
  keys['alphaOnly'] = await issue(gateway, ['reader', 'operator'], 'alpha-only');
  referenceReaderKey = await issue(reference, ['reader']);
  await Promise.all([
    gateway.core.catalogue.ensureLoaded(),
    reference.core.catalogue.ensureLoaded(),
  ]);
});
afterAll(async () => {
  await gateway?.close();
  await reference?.close();
  await Promise.all([alpha?.close(), beta?.close(), alphaWithoutWipe?.close()]);
});

/** Everything of an HTTP answer a caller can observe, minus the Date header. */
function observable(answer: Answer): {
  status: number;
  headers: Array<[string, string]>;
  body: string;
} {
  const headers = [...answer.headers.entries()].filter(([name]) => name !== 'date');
  return { status: answer.status, headers, body: answer.text };
}

describe('roles → tool sets (default deny)', () => {
  it('the role holder may call the tool (control)', async () => {
    expect(
      resultOf(await callTool(gateway.mcpUrl, 'alpha__wipe', {}, as('operator'))),
    ).toMatchObject({ content: [{ text: 'wiped' }] });
  });

  it('a caller without the role: refused, and the refusal is byte-identical to an unknown tool', async () => {
    const before = mark(alpha);
    const forbidden = await callTool(
      gateway.mcpUrl,
      'alpha__wipe',
      {},
      { ...as('reader'), id: 42 },
    );
    expectUntouched(before);
    const unknown = await callTool(
      reference.mcpUrl,
      'alpha__wipe',
      {},
      { headers: { 'x-api-key': referenceReaderKey }, id: 42 },
    );
    expect(forbidden.json).toEqual({
      jsonrpc: '2.0',
      id: 42,
      error: { code: -32602, message: 'Unknown tool: alpha__wipe' },
    });
    expect(observable(forbidden)).toEqual(observable(unknown));

    // The REST facade too: same status and envelope (only the timestamp and trace id vary).
    const restForbidden = await http(`${gateway.url}/mcp/call/alpha__wipe`, {
      method: 'POST',
      headers: as('reader').headers,
      body: {},
    });
    const restUnknown = await http(`${reference.url}/mcp/call/alpha__wipe`, {
      method: 'POST',
      headers: { 'x-api-key': referenceReaderKey },
      body: {},
    });
    const strip = (a: Answer) => ({ ...a.json, timestamp: undefined, trace_id: undefined });
    expect(restForbidden.status).toBe(404);
    expect([restForbidden.status, strip(restForbidden)]).toEqual([
      restUnknown.status,
      strip(restUnknown),
    ]);
    expectUntouched(before);
  });

  it('tools/list shows exactly what the caller may call', async () => {
    expect(await listToolNames(gateway.mcpUrl, as('reader').headers)).toEqual([
      'alpha__echo',
      'beta__echo',
    ]);
    expect(await listToolNames(gateway.mcpUrl, as('operator').headers)).toEqual([
      'alpha__echo',
      'alpha__wipe',
      'beta__echo',
    ]);
    const rest = await http(`${gateway.url}/mcp/tools`, { headers: as('reader').headers });
    expect((rest.json?.['tools'] as Array<{ name: string }>).map((t) => t.name).sort()).toEqual([
      'alpha__echo',
      'beta__echo',
    ]);
  });

  it('an authenticated caller with no role sees nothing and can call nothing, built-ins included', async () => {
    const before = mark(alpha);
    expect(await listToolNames(gateway.mcpUrl, as('nobody').headers)).toEqual([]);
    for (const name of ['alpha__echo', 'sentraip_threat_check']) {
      const answer = await callTool(
        gateway.mcpUrl,
        name,
        { text: 'x', target: '192.0.2.1', type: 'ip' },
        as('nobody'),
      );
      expect(answer.json?.['error']).toEqual({ code: -32602, message: `Unknown tool: ${name}` });
    }
    expectUntouched(before);
  });

  it.each([
    ['case', 'ALPHA__WIPE'],
    ['a Cyrillic lookalike', 'alpha__w\u0456pe'],
    ['a zero-width space', 'alpha__wipe\u200b'],
    ['trailing whitespace', 'alpha__wipe '],
    ['another separator', 'alpha.wipe'],
    ['the bare upstream name', 'wipe'],
  ])('a lookalike name (%s) is an unknown tool, even for the role holder', async (_how, name) => {
    const before = mark(alpha);
    const answer = await callTool(gateway.mcpUrl, name, {}, as('operator'));
    expect(answer.json?.['error']).toEqual({ code: -32602, message: `Unknown tool: ${name}` });
    expectUntouched(before);
  });

  it('identity claims smuggled in _meta are refused before anything is forwarded', async () => {
    const before = mark(alpha);
    const answer = await rpc(
      gateway.mcpUrl,
      'tools/call',
      {
        name: 'alpha__echo',
        arguments: { text: 'x' },
        _meta: { user: 'admin', roles: ['operator'] },
      },
      as('reader'),
    );
    expect(answer.json?.['error']).toMatchObject({ code: -32602 });
    expectUntouched(before);
  });
});

describe('client policies', () => {
  it("a client allowed on one upstream cannot call another upstream's tool, nor see it", async () => {
    const before = [mark(alpha), mark(beta)];
    const answer = await callTool(gateway.mcpUrl, 'beta__echo', { text: 'cross' }, as('alphaOnly'));
    expect(answer.json?.['error']).toEqual({ code: -32602, message: 'Unknown tool: beta__echo' });
    expectUntouched(...before);
    expect(await listToolNames(gateway.mcpUrl, as('alphaOnly').headers)).toEqual([
      'alpha__echo',
      'alpha__wipe',
    ]);
    // …while its own upstream still works for it (control).
    resultOf(await callTool(gateway.mcpUrl, 'alpha__echo', { text: 'own' }, as('alphaOnly')));
    expect(beta.calls).toEqual([]);
  });
});

describe('sessions', () => {
  it('none are issued (stateless serving), so there is no session id to steal or replay', async () => {
    const init = await rpc(
      gateway.mcpUrl,
      'initialize',
      {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'attacker', version: '1' },
      },
      as('reader'),
    );
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    // A session id made up (or taken from elsewhere) grants nothing: the caller is still who its credential says.
    const before = mark(alpha);
    const replay = await callTool(
      gateway.mcpUrl,
      'alpha__wipe',
      {},
      {
        headers: { ...as('reader').headers, 'mcp-session-id': 'session-of-the-operator' },
      },
    );
    expect(replay.json?.['error']).toEqual({ code: -32602, message: 'Unknown tool: alpha__wipe' });
    expectUntouched(before);
  });
});
