/**
 * Size, time and failure accounting against a hostile upstream: answers of tens of MiB (the direct
 * exchange's 32 MiB bound, and the SDK client's legacy-SSE path, bounded through its fetch), the
 * SDK path's transport faults, and the circuit breaker: it opens after the threshold, fails fast
 * while open, closes after recovery, ignores the upstream's own errors, and leaves others alone.
 */
import type { ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream } from '@mcpgw/testing';
import { startGateway } from '../support/gateway-harness.js';
import { postMcp } from './support/fuzz-http.js';
import { CLIENT_HEADERS } from './hostile-upstream-checks.js';
import { callTool, expectHealthyStillServed, expectWellFormed } from './hostile-upstream-checks.js';
import { DEADLINE_MS, TIMEOUT_MS, useHostileSetup, type HostileSetup } from './hostile-upstream-setup.js';
import { okResult, reply, sseEvent } from './hostile-upstream-support.js';

const MiB = 1024 * 1024;

/** Samples this process's RSS (gateway, upstream and client all live here) while `run` runs. */
async function peakRssGrowth<T>(run: () => Promise<T>): Promise<{ value: T; growthMiB: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growthMiB: Math.round((peak - base) / MiB) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Writes `total` bytes of `chunk` to `res`, honouring backpressure; resolves with what was
 * written when done or when the reader went away. Never writes more than `total`.
 */
function pump(res: ServerResponse, chunk: Buffer, total: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const done = () => resolve(written);
    res.once('close', done);
    const more = () => {
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      if (!res.destroyed) res.end();
    };
    more();
  });
}

describe('huge answers', () => {
  const setup = useHostileSetup();

  it('a 40 MiB JSON answer (past the 32 MiB bound) is refused as garbage, within the deadline', async () => {
    const text = 'y'.repeat(40 * MiB);
    setup.hostile.onStreamableCall((call, res) => reply(res, JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text }] } })));
    const { value: answer, growthMiB } = await peakRssGrowth(() => callTool(setup.gateway, 'bad__junk', 'huge-json'));
    expect(expectWellFormed(answer, 'huge-json', DEADLINE_MS)?.code).toBe(-32001);
    // Seen: ~240 MiB, most of it the upstream's own 40 MiB string and buffers in this same process.
    expect(growthMiB).toBeLessThan(512);
    await expectHealthyStillServed(setup.gateway);
  });

  it('an endless JSON body is cut at the bound: the gateway stops reading it', async () => {
    let written = Promise.resolve(0);
    setup.hostile.onStreamableCall((call, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":{"content":[{"type":"text","text":"`);
      written = pump(res, Buffer.alloc(MiB, 'z'), 256 * MiB);
    });
    const { value: answer, growthMiB } = await peakRssGrowth(() => callTool(setup.gateway, 'bad__junk', 'endless-json'));
    expect(expectWellFormed(answer, 'endless-json', DEADLINE_MS)?.code).toBe(-32001);
    const bytes = await written;
    // Seen: ~35 MiB written (the bound plus socket buffers), ~16 MiB peak RSS growth.
    expect(bytes).toBeLessThan(64 * MiB);
    expect(growthMiB).toBeLessThan(256);
  });

  it('a 40 MiB SSE event is refused as garbage', async () => {
    setup.hostile.onStreamableCall((call, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sseEvent(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text: 'y'.repeat(40 * MiB) }] } })));
    });
    const { value: answer, growthMiB } = await peakRssGrowth(() => callTool(setup.gateway, 'bad__junk', 'huge-sse'));
    expect(expectWellFormed(answer, 'huge-sse', DEADLINE_MS)?.code).toBe(-32001);
    expect(growthMiB).toBeLessThan(512); // seen: ~100 MiB
  });

  it('a 24 MiB valid answer (under the bound) is relayed whole', async () => {
    const text = 'v'.repeat(24 * MiB);
    setup.hostile.onStreamableCall((call, res) => reply(res, JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text }] } })));
    const { value: answer, growthMiB } = await peakRssGrowth(() => callTool(setup.gateway, 'bad__junk', 'big-ok'));
    expect(expectWellFormed(answer, 'big-ok', DEADLINE_MS + 3_000)).toBeUndefined();
    expect((answer.json?.['result'] as { content: Array<{ text: string }> }).content[0]?.text.length).toBe(24 * MiB);
    expect(growthMiB).toBeLessThan(768); // seen: ~190 MiB (the client's copy included)
  });

  // Fixed (regression test, SDK path): nothing bounded what the legacy SSE stream may send, and the gateway read the whole
  // 96 MiB of one unterminated event; the SDK transports' fetch now fails an event past 32 MiB (body-limits.ts).
  it('an unterminated SSE event on the legacy stream is cut at a bound', async () => {
    let written = Promise.resolve(0);
    setup.hostile.onLegacyCall((_call, stream) => {
      stream.write('event: message\ndata: ');
      written = pump(stream, Buffer.alloc(MiB, 'w'), 96 * MiB);
      return undefined;
    });
    const answer = await callTool(setup.gateway, 'old__junk', 'legacy-endless');
    expectWellFormed(answer, 'legacy-endless', DEADLINE_MS);
    expect(await written).toBeLessThan(64 * MiB);
  });
});

describe('transport faults on the SDK client’s path (legacy SSE)', () => {
  const setup = useHostileSetup();

  it.each<[string, Parameters<HostileSetup['hostile']['onLegacyCall']>[0]]>([
    ['silence', () => undefined],
    ['an event that is not JSON', () => sseEvent('<<garbage>>')],
    ['an answer to another id', () => sseEvent(JSON.stringify(okResult(987654)))],
    ['endless keep-alive comments', (_c, stream) => {
      const timer = setInterval(() => (stream.destroyed ? clearInterval(timer) : stream.write(': ping\n\n')), 200);
      setTimeout(() => clearInterval(timer), 5_000);
      return undefined;
    }],
    ['the stream cut mid-call', (_c, stream) => void setTimeout(() => stream.destroy(), 50)],
  ])('%s gives a JSON-RPC error with the caller’s id within the timeout, and the next call works', async (_name, behaviour) => {
    setup.hostile.onLegacyCall(behaviour);
    const answer = await callTool(setup.gateway, 'old__junk', 'sdk-fault');
    expect([-32001, -32002]).toContain(expectWellFormed(answer, 'sdk-fault', DEADLINE_MS)?.code);
    setup.behave();
    await expect.poll(async () => (await callTool(setup.gateway, 'old__junk', 'after')).json?.['result'], { timeout: 5_000, interval: 300 }).toBeDefined();
    await expectHealthyStillServed(setup.gateway);
  });
});

describe('the circuit breaker of a hostile upstream', () => {
  const setup = useHostileSetup({ volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 1_000 });
  const breaker = (id: string) => setup.gateway.core.upstreams.get(id)?.breakerState;

  it('does not open for the upstream’s own JSON-RPC errors', async () => {
    setup.hostile.onStreamableCall((call, res) => reply(res, JSON.stringify({ jsonrpc: '2.0', id: call.id, error: { code: -32050, message: 'no' } })));
    for (let i = 0; i < 6; i += 1) expect(expectWellFormed(await callTool(setup.gateway, 'bad__junk', i), i, DEADLINE_MS)?.code).toBe(-32050);
    expect(breaker('bad')).toBe('closed');
  });

  it('opens after the threshold of garbage, fails fast while open, leaves the others alone, and closes after recovery', async () => {
    setup.hostile.onStreamableCall((_c, res) => reply(res, '<<garbage>>'));
    // The relayed errors above count as successes in the rolling window: enough garbage to pass 50 %.
    for (let i = 0; i < 12 && breaker('bad') !== 'open'; i += 1) await callTool(setup.gateway, 'bad__junk', `g-${i}`);
    expect(breaker('bad')).toBe('open');
    const reached = setup.hostile.calls.length;
    const rejected = await callTool(setup.gateway, 'bad__junk', 'while-open');
    expect(expectWellFormed(rejected, 'while-open', 1_000)).toMatchObject({ code: -32001, message: 'Upstream bad is unavailable' });
    expect(setup.hostile.calls.length).toBe(reached);
    // Another entry for the same server has a breaker of its own; the healthy upstream is untouched.
    expect(breaker('raw')).toBe('closed');
    await expectHealthyStillServed(setup.gateway);

    setup.behave();
    await expect.poll(async () => (await callTool(setup.gateway, 'bad__junk', 'back')).json?.['result'], { timeout: 10_000, interval: 300 }).toBeDefined();
    expect(breaker('bad')).toBe('closed');
  });

  it('opens on the SDK path too when the upstream keeps timing out', async () => {
    setup.hostile.onLegacyCall(() => undefined);
    const started = Date.now();
    for (let i = 0; i < 4 && breaker('old') !== 'open'; i += 1) {
      expect(expectWellFormed(await callTool(setup.gateway, 'old__junk', `t-${i}`), `t-${i}`, TIMEOUT_MS + 1_500)?.code).toBe(-32002);
    }
    expect(breaker('old')).toBe('open');
    expect(Date.now() - started).toBeLessThan(4 * (TIMEOUT_MS + 1_500));
    await expectHealthyStillServed(setup.gateway);
  });
});

describe('an upstream that accepts TCP connections and never says a word', () => {
  it('does not hold up tools/list or the other upstreams', async () => {
    const sockets = new Set<Socket>();
    const tarpit = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    const { port } = tarpit.address() as { port: number };
    const good = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
    const gateway = await startGateway({
      file: {
        upstreams: [
          { id: 'tarpit', transport: 'streamable-http', url: `http://127.0.0.1:${port}/mcp`, timeoutMs: TIMEOUT_MS },
          { id: 'good', transport: 'streamable-http', url: good.url },
        ],
      },
    });
    try {
      const started = Date.now();
      const list = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 'list', method: 'tools/list' }, CLIENT_HEADERS, 20_000);
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
      const names = ((list.json?.['result'] as { tools: Array<{ name: string }> } | undefined)?.tools ?? []).map((t) => t.name);
      expect(names).toContain('good__echo');
      expect(names.some((n) => n.startsWith('tarpit__'))).toBe(false);
      expect(sockets.size).toBeGreaterThan(0); // it was really tried
      await expectHealthyStillServed(gateway);
      const unknown = await callTool(gateway, 'tarpit__junk', 'tar');
      expect(expectWellFormed(unknown, 'tar', DEADLINE_MS)?.code).toBe(-32602);
    } finally {
      await gateway.close();
      await good.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tarpit.close(() => resolve()));
    }
  });
});
