/**
 * `npm run bench` (through run.sh): the same tools/call load (1 KB arguments) sent directly to the
 * fixture upstream and through the gateway, on loopback, bounded in time.
 *
 *   throughput (default): capacity at 50 connections (3 s warm-up, 10 s measured, median of 3),
 *     gateway CPU µs per call from the process's CPU time, then added p50/p99 latency versus direct
 *     at fixed rates of 25%, 50% and 75% of the gateway's capacity.
 *   --soak: 60 s at half of a quick capacity estimate, gateway RSS sampled every 5 s.
 *
 * Options: --node <binary> (runs the gateway and the upstream; default: this Node), --label <name>,
 * --log-level <level> (gateway LOG_LEVEL, default info), --quick (short runs, for a smoke test).
 * Results: bench/results/<date>-<label>-<kind>.json, and a markdown table on stdout.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, runLoad, type LoadOptions } from './load.js';
import { canPin, pinProcess } from './processes.js';
import {
  goalLines,
  machineInfo,
  soakTable,
  throughputTable,
  writeResult,
  type BenchResult,
  type CapacityResult,
  type RatePoint,
  type SoakResult,
} from './report.js';
import { LOADER_CPU, preflight, startStack, toolCallBody, type Stack } from './stack.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    label: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    soak: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});
const timing = values.quick
  ? { warmupS: 1, measureS: 2, runs: 1, soakS: 6, connections: 50 }
  : { warmupS: 3, measureS: 10, runs: 3, soakS: 60, connections: 50 };
const gatewayNode = execFileSync(values.node, ['--version'], { encoding: 'utf8' }).trim();
const label = values.label ?? `node${gatewayNode.replace(/^v/, '').split('.')[0]}`;
const command = `npm run bench${values.soak ? ' -- --soak' : ''} (gateway on ${gatewayNode})`;
const payload = 'x'.repeat(1000) + randomTail(24);

function randomTail(length: number): string {
  return Array.from({ length }, (_, i) =>
    String.fromCharCode(97 + ((i * 7 + Date.now()) % 26)),
  ).join('');
}

const log = (message: string) => console.error(`[bench ${label}] ${message}`);

async function capacity(stack: Stack, target: 'direct' | 'gateway'): Promise<CapacityResult> {
  const load: LoadOptions = {
    url: target === 'direct' ? stack.directUrl : stack.gatewayUrl,
    body: toolCallBody(target === 'direct' ? 'echo' : 'bench__echo', payload),
    headers: stack.headers,
    connections: timing.connections,
    durationS: timing.warmupS,
  };
  await runLoad(load); // warm-up: JIT, connection pools, caches
  const runs = [];
  let cpu = 0;
  for (let i = 0; i < timing.runs; i += 1) {
    const before = stack.gateway.cpuMicros();
    const run = await runLoad({ ...load, durationS: timing.measureS });
    const after = stack.gateway.cpuMicros();
    if (before !== undefined && after !== undefined) cpu += after - before;
    runs.push(run);
    log(
      `${target} capacity run ${i + 1}: ${run.rps} tools/call/s, p50 ${run.latencyMs.p50} ms, ${run.failed} failed`,
    );
  }
  const ok = runs.reduce((n, r) => n + r.ok, 0);
  return {
    runs,
    medianRps: Math.round(median(runs.map((r) => r.rps))),
    ...(target === 'gateway' && cpu > 0 && ok > 0
      ? { cpuMicrosPerCall: Math.round((cpu / ok) * 10) / 10 }
      : {}),
  };
}

async function throughput(stack: Stack): Promise<BenchResult> {
  const machine = machineInfo(canPin);
  const direct = await capacity(stack, 'direct');
  const gateway = await capacity(stack, 'gateway');
  const rates: RatePoint[] = [];
  for (const pct of [25, 50, 75]) {
    const rate = Math.max(1, Math.round((gateway.medianRps * pct) / 100));
    const base = {
      headers: stack.headers,
      connections: timing.connections,
      durationS: timing.measureS,
      rate,
    };
    const d = await runLoad({ ...base, url: stack.directUrl, body: toolCallBody('echo', payload) });
    const g = await runLoad({
      ...base,
      url: stack.gatewayUrl,
      body: toolCallBody('bench__echo', payload),
    });
    rates.push({
      percentOfCapacity: pct,
      rate,
      direct: d,
      gateway: g,
      addedP50Ms: round3(g.latencyMs.p50 - d.latencyMs.p50),
      addedP99Ms: round3(g.latencyMs.p99 - d.latencyMs.p99),
    });
    log(
      `${pct}% (${rate}/s): direct p50/p99 ${d.latencyMs.p50}/${d.latencyMs.p99} ms, gateway ${g.latencyMs.p50}/${g.latencyMs.p99} ms`,
    );
  }
  const all = [...direct.runs, ...gateway.runs, ...rates.flatMap((r) => [r.direct, r.gateway])];
  return {
    kind: 'throughput',
    date: new Date().toISOString(),
    label,
    command,
    machine,
    node: { gateway: gatewayNode, loader: process.version },
    settings: {
      connections: timing.connections,
      warmupS: timing.warmupS,
      measureS: timing.measureS,
      runs: timing.runs,
      payloadBytes: payload.length,
      logLevel: values['log-level'],
    },
    direct: { capacity: direct },
    gateway: { capacity: gateway },
    rates,
    failedRequests: all.reduce((n, r) => n + r.failed, 0),
    gatewayProcessWarnings: stack.gateway.countLines(PROCESS_WARNING),
  };
}

async function soak(stack: Stack): Promise<SoakResult> {
  const load = {
    url: stack.gatewayUrl,
    body: toolCallBody('bench__echo', payload),
    headers: stack.headers,
    connections: timing.connections,
  };
  const estimate = await runLoad({ ...load, durationS: 5 });
  const rate = Math.max(1, Math.round(estimate.rps / 2));
  await runLoad({ ...load, durationS: 5, rate }); // settle the heap at the soak rate first
  const samples: number[] = [];
  const sample = () =>
    samples.push(Math.round(((stack.gateway.rssBytes() ?? 0) / 2 ** 20) * 10) / 10);
  sample();
  const timer = setInterval(sample, 5000);
  const result = await runLoad({ ...load, durationS: timing.soakS, rate });
  clearInterval(timer);
  sample();
  const start = samples[0] ?? 0;
  const end = samples[samples.length - 1] ?? 0;
  return {
    kind: 'soak',
    date: new Date().toISOString(),
    label,
    command,
    node: { gateway: gatewayNode },
    rate,
    durationS: timing.soakS,
    load: result,
    rssMiB: { start, end, max: Math.max(...samples), samples },
    growthPercent: start ? Math.round(((end - start) / start) * 1000) / 10 : Number.NaN,
    gatewayProcessWarnings: stack.gateway.countLines(PROCESS_WARNING),
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
/** A Node process warning line, e.g. `(node:123) MaxListenersExceededWarning: ...`. */
const PROCESS_WARNING = /^\(node:\d+\) \w+Warning: /;

async function main(): Promise<void> {
  if (canPin) pinProcess(process.pid, LOADER_CPU);
  log(
    `gateway and upstream on ${gatewayNode}, load generator on ${process.version}; ${canPin ? 'gateway pinned to core 0' : 'taskset missing: not pinned'}`,
  );
  const stack = await startStack({ repoRoot, node: values.node, logLevel: values['log-level'] });
  try {
    await preflight(stack.directUrl, stack.headers, toolCallBody('echo', payload), payload);
    await preflight(stack.gatewayUrl, stack.headers, toolCallBody('bench__echo', payload), payload);
    if (values.soak) {
      const result = await soak(stack);
      log(`wrote ${writeResult(repoRoot, result)}`);
      console.log(soakTable([result]));
    } else {
      const result = await throughput(stack);
      log(
        `wrote ${writeResult(repoRoot, result)} (audit events shipped to the collector stand-in: ${stack.auditEventsShipped()})`,
      );
      console.log(throughputTable([result]));
      console.log(goalLines(result).join('\n'));
    }
  } catch (err) {
    console.error(`gateway output:\n${stack.gateway.tail()}`);
    throw err;
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
