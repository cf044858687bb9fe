import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, CORPUS_DIR, corpusFacts, countBy } from './corpus-facts.js';

// The sandbox as the gateway starts it: a child process speaking MCP on stdin/stdout.
const ARGS = ['--conditions=@mcpgw/source', '--import', 'tsx', 'src/main.ts'];
const ENV = { MCP_TRANSPORT: 'stdio', LOG_CORPUS_DIR: CORPUS_DIR };

describe('sandbox over stdio, v1 client', () => {
  let client: Client;
  let transport: StdioClientTransport;
  const transportErrors: Error[] = [];
  const stderr: string[] = [];

  beforeAll(async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ARGS,
      cwd: APP_DIR,
      env: ENV,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    client = new Client({ name: 'stdio-test', version: '1.0.0' });
    client.onerror = (err) => transportErrors.push(err);
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('lists both tools and calls them with results that match the corpus', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['log_store', 'privacy']);

    const facts = corpusFacts();
    const result = await client.callTool({
      name: 'log_store',
      arguments: { group_by: 'file', limit: 3 },
    });
    const out = result.structuredContent as {
      matched: number;
      returned: number;
      groups: Array<{ value: string; count: number }>;
    };
    expect(out.matched).toBe(facts.length);
    expect(out.returned).toBe(3);
    expect(Object.fromEntries(out.groups.map((g) => [g.value, g.count]))).toEqual(
      countBy(facts, (l) => l.file),
    );

    const worker = facts.filter((l) => l.file === 'worker-2026-11-20.log' && l.level === 'error');
    const errors = await client.callTool({
      name: 'log_store',
      arguments: {
        level: 'error',
        fields: { file: 'worker-2026-11-20.log' },
        group_by: 'job',
        limit: 0,
      },
    });
    const errorsOut = errors.structuredContent as { matched: number; distinct_groups: number };
    expect(errorsOut.matched).toBe(worker.length);
    expect(errorsOut.distinct_groups).toBe(new Set(worker.map((l) => l.fields['job'])).size);

    const privacy = await client.callTool({
      name: 'privacy',
      arguments: {
        text: 'key AKIAIOSFODNN7EXAMPLE, IBAN GB82 WEST 1234 5698 7654 32, host 2001:db8::17',
      },
    });
    expect(privacy.structuredContent).toMatchObject({
      text: 'key [REDACTED:aws_access_key_id], IBAN [REDACTED:iban], host [REDACTED:ipv6]',
      counts: { aws_access_key_id: 1, iban: 1, ipv6: 1 },
      total: 3,
    });
  });

  it('answers bad arguments with -32602', async () => {
    const error = await client
      .callTool({ name: 'log_store', arguments: { from: 'yesterday' } })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((error as McpError).message).toMatch(/from/);
  });

  it('keeps stdout for protocol messages and logs JSON lines on stderr', async () => {
    await expect.poll(() => stderr.join('')).toContain('"tool call"');
    expect(transportErrors).toEqual([]);
    const logLines = stderr
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '');
    for (const line of logLines)
      expect(JSON.parse(line)).toMatchObject({ service: 'sandbox-log-analysis' });
  });
});

/** Runs the server on raw pipes and returns every stdout and stderr line. */
async function runRaw(messages: readonly object[], finish: 'stdin' | 'SIGTERM') {
  const child = spawn(process.execPath, ARGS, {
    cwd: APP_DIR,
    env: ENV, // a clean environment, as the gateway gives its stdio upstreams
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => stdout.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  try {
    for (const m of messages) child.stdin.write(`${JSON.stringify(m)}\n`);
    const expected = messages.filter((m) => 'id' in m).length;
    await expect.poll(() => stdout.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(expected);
    if (finish === 'stdin') child.stdin.end();
    else child.kill('SIGTERM');
    return { code: await exited, stdout, stderr };
  } finally {
    clearTimeout(killer);
  }
}

describe('sandbox over stdio, raw pipes', () => {
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    },
  };
  const calls = [
    initialize,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'privacy', arguments: { text: 'a@example.com' } },
    },
  ];

  it('writes nothing but JSON-RPC messages on stdout, from start to shutdown, and exits 0 when stdin closes', async () => {
    const { code, stdout, stderr } = await runRaw(calls, 'stdin');
    expect(code).toBe(0);
    expect(stdout).toHaveLength(3);
    for (const line of stdout) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(stdout.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([1, 2, 3]);
    const messages = stderr.map((l) => (JSON.parse(l) as { message: string }).message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'log corpus indexed',
        'serving MCP on stdio',
        'tool call',
        'shutdown complete',
      ]),
    );
  });

  it('exits 0 on SIGTERM', async () => {
    const { code, stdout, stderr } = await runRaw([initialize], 'SIGTERM');
    expect(code).toBe(0);
    expect(stdout).toHaveLength(1);
    expect(stderr.some((l) => l.includes('"reason":"SIGTERM"'))).toBe(true);
  });
});
