import { afterEach, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1ClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  echoTool,
  failingTool,
  slowTool,
  startFakeMcpUpstream,
  structuredTool,
  type FakeMcpUpstream,
} from './fake-mcp-upstream.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const HEADERS = { traceparent: TRACEPARENT, authorization: 'Bearer upstream-token' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  // clients first, then servers (reverse start order)
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function upstream(
  options: Parameters<typeof startFakeMcpUpstream>[0],
): Promise<FakeMcpUpstream> {
  const up = await startFakeMcpUpstream(options);
  cleanups.push(() => up.close());
  return up;
}

/** Resolves with the tool names of the first list_changed refresh the client reports. */
function toolsChangedProbe(): {
  onChanged: (error: Error | null, tools: Array<{ name: string }> | null) => void;
  seen: Promise<string[]>;
} {
  let resolve: (names: string[]) => void = () => undefined;
  const seen = new Promise<string[]>((r) => (resolve = r));
  return {
    onChanged: (error, tools) =>
      resolve(error ? [`error: ${error.message}`] : (tools ?? []).map((t) => t.name)),
    seen,
  };
}

async function v2Client(
  url: string,
  mode: 'legacy' | 'auto',
  onChanged?: (error: Error | null, tools: Array<{ name: string }> | null) => void,
): Promise<Client> {
  const client = new Client(
    { name: 'spec', version: '1.0.0' },
    {
      versionNegotiation: { mode },
      ...(onChanged ? { listChanged: { tools: { onChanged } } } : {}),
    },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: HEADERS } }),
  );
  cleanups.push(() => client.close());
  return client;
}

async function v1Client(
  url: string,
  onChanged?: (error: Error | null, tools: Array<{ name: string }> | null) => void,
): Promise<V1Client> {
  const client = new V1Client(
    { name: 'spec', version: '1.0.0' },
    onChanged ? { listChanged: { tools: { onChanged } } } : {},
  );
  await client.connect(new V1ClientTransport(new URL(url), { requestInit: { headers: HEADERS } }));
  cleanups.push(() => client.close());
  return client;
}

const withTimeout = <T>(p: Promise<T>, ms = 5_000): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
  ]);

/** Polls `predicate` every 10 ms, at most 500 times. */
async function eventually(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in 5 s');
}

/** A 2025-era client opens its GET notification stream after connect() returns; wait for it. */
async function notificationStreamOpen(
  up: FakeMcpUpstream,
  roundTrip: () => Promise<unknown>,
): Promise<void> {
  await eventually(() => up.requests.some((r) => r.method === 'GET'));
  await roundTrip();
}

describe('fake MCP upstream, SDK v2', () => {
  it('serves a modern (2026-07-28) client: list, call, recorded call with headers and era', async () => {
    const up = await upstream({ tools: [echoTool, structuredTool] });
    const client = await v2Client(up.url, 'auto');
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'add']);
    expect(tools[0]?.inputSchema).toEqual(echoTool.inputSchema);

    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(up.calls).toHaveLength(1);
    expect(up.calls[0]).toMatchObject({
      tool: 'echo',
      arguments: { text: 'hello' },
      era: 'modern',
      headers: HEADERS,
    });
    expect(up.requests.every((r) => r.headers['traceparent'] === TRACEPARENT)).toBe(true);
  });

  it('serves a 2025-era client statelessly by default; GET has no stream (405)', async () => {
    const up = await upstream({ tools: [echoTool] });
    const client = await v2Client(up.url, 'legacy');
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    await client.callTool({ name: 'echo', arguments: { text: 'old' } });
    expect(up.calls[0]).toMatchObject({ era: 'legacy', headers: HEADERS });
    expect(up.sessionCount()).toBe(0);
    expect((await fetch(up.url, { headers: { accept: 'text/event-stream' } })).status).toBe(405);
  });

  it('delivers tools/list_changed to a modern client over subscriptions/listen', async () => {
    const up = await upstream({ tools: [echoTool] });
    const probe = toolsChangedProbe();
    await v2Client(up.url, 'auto', probe.onChanged);
    await up.setTools([echoTool, failingTool]);
    expect(await withTimeout(probe.seen)).toEqual(['echo', 'fail']);
  });

  it('stateful: keeps 2025 sessions, pushes list_changed on the GET stream, ends the session on DELETE', async () => {
    const up = await upstream({ tools: [echoTool], stateful: true });
    const probe = toolsChangedProbe();
    const client = await v2Client(up.url, 'legacy', probe.onChanged);
    expect(up.sessionCount()).toBe(1);
    expect(up.requests.some((r) => r.headers['mcp-session-id'] !== undefined)).toBe(true);

    await notificationStreamOpen(up, () => client.listTools());
    await up.setTools([structuredTool]);
    expect(await withTimeout(probe.seen)).toEqual(['add']);
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result.structuredContent).toEqual({ sum: 5 });

    const transport = client.transport;
    if (!(transport instanceof StreamableHTTPClientTransport))
      throw new Error('unexpected transport');
    await transport.terminateSession();
    expect(up.sessionCount()).toBe(0);
  });

  it('stateful: an unknown session id is a 404', async () => {
    const up = await upstream({ tools: [echoTool], stateful: true });
    const res = await fetch(up.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
  });

  it('returns tool errors as results, rejects bad arguments before the handler, unknown tools as protocol errors', async () => {
    const up = await upstream({ tools: [echoTool, failingTool] });
    const client = await v2Client(up.url, 'auto');
    expect((await client.callTool({ name: 'fail', arguments: {} })).isError).toBe(true);
    const bad = await client.callTool({ name: 'echo', arguments: { text: 42 } });
    expect(bad.isError).toBe(true);
    expect(up.calls.map((c) => c.tool)).toEqual(['fail']);
    await expect(client.callTool({ name: 'missing', arguments: {} })).rejects.toThrow(/missing/);
  });

  it('aborts the handler signal when the client cancels a slow call', async () => {
    const up = await upstream({ tools: [slowTool(10_000)] });
    const client = await v2Client(up.url, 'auto');
    const abort = new AbortController();
    const pending = client.callTool({ name: 'slow', arguments: {} }, { signal: abort.signal });
    await eventually(() => up.calls.length === 1);
    expect(up.calls[0]?.signal.aborted).toBe(false);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await eventually(() => up.calls[0]?.signal.aborted === true);
  });

  it('answers 404 outside /mcp', async () => {
    const up = await upstream({ tools: [] });
    expect((await fetch(`http://127.0.0.1:${up.port}/other`)).status).toBe(404);
  });
});

describe('fake MCP upstream, SDK v1', () => {
  it('serves the v1 client: list, call, recorded call, list_changed on the session stream', async () => {
    const up = await upstream({ sdk: 'v1', tools: [echoTool] });
    const probe = toolsChangedProbe();
    const client = await v1Client(up.url, probe.onChanged);
    expect((await client.listTools()).tools).toEqual([
      { name: 'echo', description: echoTool.description, inputSchema: echoTool.inputSchema },
    ]);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'v1' } });
    expect(result.content).toEqual([{ type: 'text', text: 'v1' }]);
    expect(up.calls[0]).toMatchObject({
      tool: 'echo',
      arguments: { text: 'v1' },
      era: 'legacy',
      headers: HEADERS,
    });
    expect(up.sessionCount()).toBe(1);

    await notificationStreamOpen(up, () => client.listTools());
    await up.setTools([echoTool, structuredTool]);
    expect(await withTimeout(probe.seen)).toEqual(['echo', 'add']);
  });

  it('validates arguments, reports tool errors and structured content', async () => {
    const up = await upstream({ sdk: 'v1', tools: [failingTool, structuredTool] });
    const client = await v1Client(up.url);
    expect((await client.callTool({ name: 'fail', arguments: {} })).isError).toBe(true);
    expect((await client.callTool({ name: 'add', arguments: { a: 'x', b: 1 } })).isError).toBe(
      true,
    );
    expect(
      (await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent,
    ).toEqual({ sum: 2 });
    expect(up.calls.map((c) => c.tool)).toEqual(['fail', 'add']);
    await expect(client.callTool({ name: 'missing', arguments: {} })).rejects.toThrow(/missing/);
  });

  it('aborts the handler signal when the v1 client cancels', async () => {
    const up = await upstream({ sdk: 'v1', tools: [slowTool(10_000)] });
    const client = await v1Client(up.url);
    const abort = new AbortController();
    const pending = client.callTool({ name: 'slow', arguments: {} }, undefined, {
      signal: abort.signal,
    });
    await eventually(() => up.calls.length === 1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await eventually(() => up.calls[0]?.signal.aborted === true);
  });

  it('stateless v1: no sessions, GET is 405', async () => {
    const up = await upstream({ sdk: 'v1', tools: [echoTool], stateful: false });
    const client = await v1Client(up.url);
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(up.sessionCount()).toBe(0);
    expect(up.calls).toHaveLength(1);
    expect((await fetch(up.url)).status).toBe(405);
  });
});
