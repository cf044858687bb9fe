/**
 * Attack suite — a leaky (or compromised) upstream: secrets and personal data planted in text
 * content, structured content, embedded resources, tool-error results and JSON-RPC error messages
 * and data never reach the client, on /mcp or the REST facade; a 1 MB near-match input is
 * sanitized in time bounded relative to a plain 1 MB baseline.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeMcpUpstream,
  type FakeMcpUpstream,
  type FakeTool,
  type FakeToolResult,
} from '@mcpgw/testing';
import { Sanitizer } from '../../src/security/sanitizer.js';
import { validateGatewayConfig } from '../../src/gateway-config/load.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { startErrorUpstream, type ErrorUpstream } from './support/error-upstream.js';
import {
  KEYED_SECRETS,
  leaks,
  nearMatchText,
  PII,
  plainText,
  plantedSentence,
  SECRETS,
} from './support/planted.js';
import { callTool, http, resultOf } from './support/rpc.js';

const everything = plantedSentence([...SECRETS, ...PII]);
const noArgs = { type: 'object', properties: {} } as const;
const tool = (
  name: string,
  result: () => FakeToolResult,
  inputSchema: FakeTool['inputSchema'] = noArgs,
): FakeTool => ({ name, inputSchema, handler: result });
const structured = {
  customer: {
    email: 'alice.liddell@example.com',
    card: '4111 1111 1111 1111',
    notes: [everything],
  },
  credentials: { ...KEYED_SECRETS },
  count: 3,
};
const bulk: Record<string, string> = {};

const tools: FakeTool[] = [
  tool('report', () => ({ content: [{ type: 'text', text: `Nightly report.\n${everything}` }] })),
  tool('lookup', () => ({
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
  })),
  tool('failing', () => ({
    content: [{ type: 'text', text: `could not connect using ${everything}` }],
    isError: true,
  })),
  tool(
    'attachment',
    () =>
      ({
        content: [
          {
            type: 'resource',
            resource: { uri: 'file:///etc/app.env', mimeType: 'text/plain', text: everything },
          },
        ],
      }) as unknown as FakeToolResult,
  ),
  tool('directory', () => ({
    content: [{ type: 'text', text: `contact alice.liddell@example.com, key ${SECRETS[2]?.text}` }],
  })),
  tool('bulk', () => ({ content: [{ type: 'text', text: bulk['next'] ?? '' }] })),
];

let upstream: FakeMcpUpstream;
let broken: ErrorUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools });
  broken = await startErrorUpstream({
    code: -32050,
    message: `backend refused: ${plantedSentence(SECRETS)}`,
    data: { detail: everything, ...KEYED_SECRETS },
  });
  gateway = await startGateway({
    openAccess: false,
    env: { GATEWAY_ADMIN_KEY: 'admin-key-for-security-tests-0004' },
    file: {
      auth: {
        anonymous: {
          enabled: true,
          roles: ['user'],
          rateLimit: { capacity: 10_000, refillPerSecond: 10_000 },
        },
      },
      toolSets: { all: { requiredRole: 'user', tools: ['up__*', 'broken__*'] } },
      sanitize: { pii: true, perTool: { up__directory: { pii: false } } },
      upstreams: [
        { id: 'up', transport: 'streamable-http', url: upstream.url },
        { id: 'broken', transport: 'streamable-http', url: broken.url },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await broken?.close();
});

describe('planted secrets and PII never reach the client', () => {
  it.each(['report', 'failing', 'attachment'])(
    'in text content (%s) — /mcp and REST',
    async (name) => {
      const answer = await callTool(gateway.mcpUrl, `up__${name}`);
      expect(answer.status).toBe(200);
      expect(leaks(answer.text)).toEqual([]);
      expect(answer.text).toContain('[REDACTED:github_token]');
      expect(answer.text).toContain('[REDACTED:gateway_api_key]');
      expect(answer.text).toContain('[REDACTED:email]');
      const rest = await http(`${gateway.url}/mcp/call/up__${name}`, { method: 'POST', body: {} });
      expect(leaks(rest.text)).toEqual([]);
      expect(upstream.calls.filter((c) => c.tool === name).length).toBe(2);
    },
  );

  it('in structured content, including values under secret-named keys; the shape is kept', async () => {
    const answer = await callTool(gateway.mcpUrl, 'up__lookup');
    expect(leaks(answer.text)).toEqual([]);
    const result = resultOf(answer);
    expect(result['structuredContent']).toEqual({
      customer: {
        email: '[REDACTED:email]',
        card: '[REDACTED:credit_card]',
        notes: [expect.any(String)],
      },
      credentials: { password: '[REDACTED:password]', api_key: '[REDACTED:password]' },
      count: 3,
    });
    const rest = await http(`${gateway.url}/mcp/call/up__lookup`, { method: 'POST', body: {} });
    expect(rest.status).toBe(200);
    expect(leaks(rest.text)).toEqual([]);
  });

  it("in an upstream's JSON-RPC error message and data — /mcp and REST", async () => {
    const answer = await callTool(gateway.mcpUrl, 'broken__explode');
    expect(answer.json?.['error']).toMatchObject({
      code: -32050,
      message: expect.stringContaining('[REDACTED:github_token]'),
    });
    expect(leaks(answer.text)).toEqual([]);
    const rest = await http(`${gateway.url}/mcp/call/broken__explode`, {
      method: 'POST',
      body: {},
    });
    expect(rest.status).toBe(502);
    expect(leaks(rest.text)).toEqual([]);
    expect(broken.calls).toBe(2);
  });

  it('PII is configurable per tool; secrets stay redacted there', async () => {
    const answer = await callTool(gateway.mcpUrl, 'up__directory');
    expect(answer.text).toContain('alice.liddell@example.com');
    expect(leaks(answer.text, SECRETS)).toEqual([]);
  });

  it('property: whatever the nesting, no planted secret survives the sanitizer', () => {
    const sanitizer = new Sanitizer(validateGatewayConfig({ sanitize: { pii: true } }).sanitize);
    const planted = fc.constantFrom(...SECRETS, ...PII).map((p) => p.text);
    const text = fc
      .tuple(fc.string({ maxLength: 20 }), planted, fc.string({ maxLength: 20 }))
      .map(([a, p, b]) => `${a} ${p} ${b}`);
    const json = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(json, (value) => {
        const out = JSON.stringify(
          sanitizer.result(
            { content: [{ type: 'text', text: 'x' }], structuredContent: { value } },
            'any',
          ).value,
        );
        expect(leaks(out)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('bounded time on large inputs', () => {
  /*
   * CPU time of this process (gateway, upstream and client all run in it), not elapsed time: on a
   * busy CI machine a long run is preempted by other test processes and a short one is not.
   */
  const cpuMsSince = (started: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  };
  const timed = async (text: string) => {
    bulk['next'] = text;
    let best = Infinity;
    let answerText = '';
    for (let i = 0; i < 3; i += 1) {
      const started = process.cpuUsage();
      const answer = await callTool(gateway.mcpUrl, 'up__bulk');
      best = Math.min(best, cpuMsSince(started));
      expect(answer.status).toBe(200);
      answerText = answer.text;
    }
    return { ms: best, answerText };
  };

  it('a 1 MB near-match result is sanitized in time comparable to 1 MB of plain text', async () => {
    const baseline = await timed(plainText(1024 * 1024));
    const near = nearMatchText(1024 * 1024);
    expect(near.length).toBeGreaterThanOrEqual(1024 * 1024);
    const attack = await timed(near);
    expect(JSON.parse(attack.answerText)).toMatchObject({
      result: { content: [{ type: 'text' }] },
    });
    // Linear engines stay within a small factor of the baseline; a backtracking one would not finish.
    expect(attack.ms).toBeLessThan(baseline.ms * 8 + 250);

    // The sanitizer alone, without transport costs, on the same inputs.
    const sanitizer = new Sanitizer(validateGatewayConfig({ sanitize: { pii: true } }).sanitize);
    const alone = (t: string) => {
      let best = Infinity;
      for (let i = 0; i < 3; i += 1) {
        const started = process.cpuUsage();
        sanitizer.result({ content: [{ type: 'text', text: t }] }, 'x');
        best = Math.min(best, cpuMsSince(started));
      }
      return best;
    };
    const plainMs = alone(plainText(1024 * 1024));
    const nearMs = alone(near);
    expect(nearMs).toBeLessThan(plainMs * 15 + 250);
  }, 40_000);
});
