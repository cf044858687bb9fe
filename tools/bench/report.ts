/** The benchmark's result shape, its JSON file and its markdown table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load.js';

export interface CapacityResult {
  runs: LoadResult[];
  medianRps: number;
  /** Gateway only: CPU time of the gateway process per 2xx tools/call, over all measured runs. */
  cpuMicrosPerCall?: number;
}

export interface RatePoint {
  percentOfCapacity: number;
  rate: number;
  direct: LoadResult;
  gateway: LoadResult;
  addedP50Ms: number;
  addedP99Ms: number;
}

export interface BenchResult {
  kind: 'throughput';
  date: string;
  label: string;
  command: string;
  /** loadAverage: the 1-minute load average when the run started (other work on the machine skews results). */
  machine: { cpu: string; cores: number; kernel: string; pinned: boolean; loadAverage: number };
  node: { gateway: string; loader: string };
  settings: {
    connections: number;
    warmupS: number;
    measureS: number;
    runs: number;
    payloadBytes: number;
    logLevel: string;
  };
  direct: { capacity: CapacityResult };
  gateway: { capacity: CapacityResult };
  rates: RatePoint[];
  failedRequests: number;
  /** Node process warnings the gateway printed during the run (e.g. MaxListenersExceededWarning). */
  gatewayProcessWarnings: number;
}

export interface SoakResult {
  kind: 'soak';
  date: string;
  label: string;
  command: string;
  node: { gateway: string };
  rate: number;
  durationS: number;
  load: LoadResult;
  rssMiB: { start: number; end: number; max: number; samples: number[] };
  growthPercent: number;
  gatewayProcessWarnings: number;
}

export const machineInfo = (pinned: boolean) => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  kernel: release(),
  pinned,
  loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
});

/** Writes `<repo>/bench/results/<stamp>-<label>-<kind>.json`; returns the path. */
export function writeResult(repoRoot: string, result: BenchResult | SoakResult): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  const file = join(dir, `${stamp}-${result.label}-${result.kind}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');

export function throughputTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => {
    const at = (pct: number) => {
      const p = r.rates.find((x) => x.percentOfCapacity === pct);
      return p ? `${ms(p.addedP50Ms)} / ${ms(p.addedP99Ms)} (${p.rate}/s)` : 'n/a';
    };
    const cpu = r.gateway.capacity.cpuMicrosPerCall;
    return `| ${r.node.gateway} | ${r.gateway.capacity.medianRps} | ${r.direct.capacity.medianRps} | ${cpu === undefined ? 'n/a' : cpu.toFixed(0)} | ${at(25)} | ${at(50)} | ${at(75)} | ${r.failedRequests} | ${r.gatewayProcessWarnings} | ${r.machine.loadAverage} |`;
  });
  return [
    '| gateway Node | gateway tools/call/s | direct tools/call/s | gateway CPU µs/call | added p50 / p99 ms at 25% | at 50% | at 75% | failed requests | gateway process warnings | load average at start |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function soakTable(results: readonly SoakResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.node.gateway} | ${r.rate} | ${r.durationS} | ${r.rssMiB.start.toFixed(1)} | ${r.rssMiB.end.toFixed(1)} | ${r.rssMiB.max.toFixed(1)} | ${r.growthPercent.toFixed(1)} | ${r.load.failed} | ${r.gatewayProcessWarnings} |`,
  );
  return [
    '| gateway Node | rate/s | seconds | RSS start MiB | RSS end MiB | RSS max MiB | growth % | failed requests | gateway process warnings |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The goals of issue 3 item 9, reported next to the numbers (never asserted). */
export function goalLines(r: BenchResult): string[] {
  const major = Number(r.node.gateway.replace(/^v/, '').split('.')[0]);
  const target = major >= 24 ? 5000 : 3000;
  const half = r.rates.find((p) => p.percentOfCapacity === 50);
  return [
    `- throughput: ${r.gateway.capacity.medianRps} tools/call/s on one core, goal ≥ ${target} on Node ${major}: ${r.gateway.capacity.medianRps >= target ? 'met' : 'not met'}`,
    half
      ? `- added latency at half capacity: p50 ${ms(half.addedP50Ms)} ms (goal ≤ 0.5: ${half.addedP50Ms <= 0.5 ? 'met' : 'not met'}), p99 ${ms(half.addedP99Ms)} ms (goal ≤ 5: ${half.addedP99Ms <= 5 ? 'met' : 'not met'})`
      : '- added latency at half capacity: not measured',
  ];
}
