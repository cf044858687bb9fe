import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2Transport,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '@mcpgw/service-kit';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { createSandboxApp } from '../src/app.js';
import { buildSandboxCore } from '../src/build-tools.js';
import { readSandboxConfig } from '../src/config.js';
import { CORPUS_DIR, corpusFacts, countBy } from './corpus-facts.js';

const facts = corpusFacts();
let running: RunningServer;
let client: Client;

async function expectInvalidParams(call: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(McpError);
  expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
  expect((error as McpError).message).toMatch(pattern);
}

beforeAll(async () => {
  const config = readSandboxConfig({ LOG_CORPUS_DIR: CORPUS_DIR, LOG_LEVEL: 'warn' });
  const logger = createLogger({
    service: 'sandbox-test',
    level: 'warn',
    stream: new Writable({ write: (_c, _e, done) => done() }),
  });
  const registry = createMetricsRegistry({ service: 'sandbox-test', collectDefaultMetrics: false });
  const core = await buildSandboxCore({ config, logger, registry });
  const app = createSandboxApp({ config, logger, registry, core, isShuttingDown: () => false });
  running = await listen(app, { host: '127.0.0.1', port: 0 });
  client = new Client({ name: 'v1-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`)));
});

afterAll(async () => {
  await client?.close();
  await running?.drain(1000);
});

describe('sandbox over Streamable HTTP, v1 client', () => {
  it('lists both tools with input and output schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['log_store', 'privacy']);
    for (const tool of tools) {
      expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tool.outputSchema).toMatchObject({ type: 'object' });
    }
    expect(client.getServerVersion()).toMatchObject({ name: 'sandbox-log-analysis' });
  });

  it('counts error lines per service across every format', async () => {
    const errors = facts.filter((l) => l.level === 'error');
    const byService = countBy(errors, (l) =>
      l.fields['service'] === undefined ? undefined : String(l.fields['service']),
    );
    const result = await client.callTool({
      name: 'log_store',
      arguments: { level: 'error', group_by: 'service', limit: 5 },
    });
    const out = result.structuredContent as Record<string, unknown>;
    expect(out['matched']).toBe(errors.length);
    expect(out['returned']).toBe(5);
    expect(out['truncated']).toBe(true);
    expect(
      Object.fromEntries(
        (out['groups'] as Array<{ value: string; count: number }>).map((g) => [g.value, g.count]),
      ),
    ).toEqual(byService);
    expect(out['missing_group']).toBe(
      errors.filter((l) => l.fields['service'] === undefined).length,
    );
    expect(out['corpus']).toMatchObject({ files: 3, records: facts.length, skipped: [] });
    const firstError = [...errors].sort((a, b) => a.time - b.time)[0];
    expect((out['records'] as Array<{ timestamp: string }>)[0]?.timestamp).toBe(
      new Date(firstError?.time ?? 0).toISOString(),
    );
    expect(result.content).toEqual([
      expect.objectContaining({
        type: 'text',
        text: expect.stringContaining(`${errors.length} of ${facts.length} log lines matched`),
      }),
    ]);
  });

  it('filters by exact field values, a regex and a time range', async () => {
    const status401 = facts.filter((l) => l.fields['status'] === 401).length;
    const byField = await client.callTool({
      name: 'log_store',
      arguments: { fields: { status: 401 }, limit: 0 },
    });
    expect((byField.structuredContent as { matched: number }).matched).toBe(status401);

    const sqlmap = facts.filter((l) => /sqlmap/i.test(l.raw)).length;
    const byRegex = await client.callTool({
      name: 'log_store',
      arguments: { regex: 'SQLMAP/\\d+\\.\\d', case_insensitive: true, limit: 0 },
    });
    expect((byRegex.structuredContent as { matched: number }).matched).toBe(sqlmap);
    expect(sqlmap).toBeGreaterThan(0);

    const from = Date.parse('2026-11-20T09:10:00Z');
    const to = Date.parse('2026-11-20T10:10:00Z');
    const inRange = facts.filter((l) => l.time >= from && l.time < to);
    const byFile = countBy(inRange, (l) => l.file);
    const byTime = await client.callTool({
      name: 'log_store',
      arguments: {
        from: '2026-11-20T09:10:00Z',
        to: '2026-11-20T11:10:00+01:00',
        group_by: 'file',
        limit: 0,
      },
    });
    const out = byTime.structuredContent as {
      matched: number;
      groups: Array<{ value: string; count: number }>;
    };
    expect(out.matched).toBe(inRange.length);
    expect(Object.fromEntries(out.groups.map((g) => [g.value, g.count]))).toEqual(byFile);
    expect(Object.keys(byFile).length).toBeGreaterThan(1); // the range spans two files
  });

  it('scrubs PII and secrets with the privacy tool', async () => {
    const text =
      'mail erin@example.org or call +1 415 555 0133; card 4111 1111 1111 1111 from 203.0.113.7';
    const result = await client.callTool({ name: 'privacy', arguments: { text } });
    expect(result.structuredContent).toEqual({
      text: 'mail [REDACTED:email] or call [REDACTED:phone]; card [REDACTED:credit_card] from [REDACTED:ipv4]',
      counts: { email: 1, phone: 1, credit_card: 1, ipv4: 1 },
      total: 4,
    });
    const onlyEmail = await client.callTool({
      name: 'privacy',
      arguments: { text, kinds: ['email'] },
    });
    expect((onlyEmail.structuredContent as { counts: object }).counts).toEqual({ email: 1 });
  });

  it('answers bad arguments with -32602 naming the field', async () => {
    await expectInvalidParams(
      client.callTool({ name: 'log_store', arguments: { limit: 100_000 } }),
      /limit/,
    );
    await expectInvalidParams(
      client.callTool({ name: 'log_store', arguments: { level: 'loud' } }),
      /level/,
    );
    await expectInvalidParams(
      client.callTool({ name: 'log_store', arguments: { regex: '(a+)\\1' } }),
      /regex: backreference not supported/,
    );
    await expectInvalidParams(
      client.callTool({ name: 'privacy', arguments: { text: 'x'.repeat(100_001) } }),
      /text/,
    );
    await expectInvalidParams(
      client.callTool({ name: 'privacy', arguments: { text: 'x', kinds: ['emial'] } }),
      /kinds/,
    );
    await expectInvalidParams(
      client.callTool({ name: 'nope', arguments: {} }),
      /Unknown tool: nope/,
    );
  });
});

describe('sandbox over Streamable HTTP, transport details', () => {
  const post = (body: string) =>
    fetch(`${running.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body,
    });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await post('{not json');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
  });

  it('has no session stream: GET and DELETE are 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${running.url}/mcp`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('is ready once the corpus is indexed and exposes tool metrics', async () => {
    expect((await fetch(`${running.url}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/mcp_tool_executions_total\{tool="log_store",outcome="success"/);
    expect(metrics).toMatch(/mcp_tool_executions_total\{tool="log_store",outcome="invalid_params"/);
  });
});

describe('sandbox over Streamable HTTP, v2 client (legacy negotiation)', () => {
  it('connects, lists and calls', async () => {
    const v2 = new V2Client({ name: 'v2-test', version: '1.0.0' });
    await v2.connect(new V2Transport(new URL(`${running.url}/mcp`)));
    try {
      const { tools } = await v2.listTools();
      expect(tools.map((t) => t.name)).toEqual(['log_store', 'privacy']);
      const result = await v2.callTool({
        name: 'log_store',
        arguments: { group_by: 'level', limit: 0 },
      });
      const levels = countBy(facts, (l) => l.level);
      const groups = (
        result.structuredContent as { groups: Array<{ value: string; count: number }> }
      ).groups;
      expect(Object.fromEntries(groups.map((g) => [g.value, g.count]))).toEqual(levels);
    } finally {
      await v2.close();
    }
  });
});
