import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createChatMetrics } from '../metrics.js';
import type { ChatEvent } from './chat-types.js';
import { MAX_CALLS_PER_TURN, ToolRunner, type PlannedCall } from './tool-runner.js';

describe('ToolRunner', () => {
  it(`runs at most ${MAX_CALLS_PER_TURN} calls of one turn, and gives every other call a result saying so`, async () => {
    const called: string[] = [];
    const runner = new ToolRunner({
      gateway: {
        call: async (name: string) => {
          called.push(name);
          return { ok: true, text: `${name} done` };
        },
      },
      metrics: createChatMetrics(new Registry()),
      timeoutMs: 1000,
      knownTools: () => new Set(['echo']),
    });
    const calls: PlannedCall[] = Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, name: 'echo', input: { i } }));
    const events: ChatEvent[] = [];
    const runs = await runner.runAll(calls, { signal: new AbortController().signal, emit: (e) => events.push(e) });

    expect(called).toHaveLength(MAX_CALLS_PER_TURN);
    expect(runs.map((r) => r.call.id)).toEqual(calls.map((c) => c.id)); // one result per call, in order
    expect(runs.slice(0, MAX_CALLS_PER_TURN).every((r) => r.outcome.ok)).toBe(true);
    for (const run of runs.slice(MAX_CALLS_PER_TURN)) {
      expect(run.outcome).toMatchObject({ ok: false, failure: 'refused', text: expect.stringContaining(`at most ${MAX_CALLS_PER_TURN}`) as unknown });
    }
    expect(events.filter((e) => e.type === 'tool_result')).toHaveLength(40);
  });
});
