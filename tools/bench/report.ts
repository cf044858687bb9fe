/** The benchmark's result shape, its JSON file and its markdown table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { cpuCaches } from './cpu-caches.js';
import type { FixedRateResult } from './fixed-rate.js';
import type { LoadResult } from './load.js';
import type { GcSummary } from './gc-trace.js';
import type { LatencySummary } from './stats.js';
import type { TracesCostSummary } from './traces-cost.js';

export interface CapacityResult {
  runs: LoadResult[];
  medianRps: number;
  /** Gateway and floor: CPU time of the process per 2xx tools/call, over all measured runs. */
  cpuMicrosPerCall?: number;
}

export interface RatePoint {
  percentOfCapacity: number;
  rate: number;
  /** Open-loop runs (fixed-rate.ts). */
  direct: FixedRateResult;
  gateway: FixedRateResult;
  /** Gateway − direct, latency from each request's scheduled send time. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** Gateway − direct, latency from the actual send (hides waiting for the generator or a connection). */
  addedSendP50Ms: number;
  addedSendP99Ms: number;
  /** The floor proxy (floor-proxy.ts) at the same rate; its latency − direct, from the schedule. */
  floor?: FixedRateResult;
  floorAddedP50Ms?: number;
  floorAddedP99Ms?: number;
  /** CPU time of the process per scheduled call over the measured part of the open-loop run. */
  gatewayCpuMicrosPerCall?: number;
  /** rate × gateway CPU per call: the share of its core the gateway used at this rate. */
  gatewayUtilization?: number;
  floorCpuMicrosPerCall?: number;
  /**
   * Steal (cpu-steal.ts) on the gateway's core during the gateway's and the floor's runs at this
   * rate, as a percentage of the core's time: while the host runs something else, every call
   * that arrives waits for it.
   */
  gatewayCoreStealPercent?: number;
  floorCoreStealPercent?: number;
  /** The gateway's collections during the measured part of its run (gc-trace.ts). */
  gatewayGc?: GcSummary;
}

/** Direct and gateway at half of the gateway's capacity for a minute (bench.ts `sustainedAtHalf`). */
export interface SustainedResult {
  rate: number;
  durationS: number;
  direct: FixedRateResult;
  gateway: FixedRateResult;
  addedP50Ms: number;
  addedP99Ms: number;
  gatewayCpuMicrosPerCall?: number;
  gatewayCoreStealPercent?: number;
  gatewayGc?: GcSummary;
}

/** The floor proxy: its capacity, and its added latency at half of that capacity. */
export interface FloorResult {
  capacity: CapacityResult;
  atHalfCapacity: {
    rate: number;
    direct: FixedRateResult;
    floor: FixedRateResult;
    addedP50Ms: number;
    addedP99Ms: number;
    floorCpuMicrosPerCall?: number;
    floorUtilization?: number;
    floorCoreStealPercent?: number;
  };
}

export interface BenchResult {
  kind: 'throughput';
  date: string;
  label: string;
  command: string;
  /** loadAverage: the 1-minute load average when the run started (other work on the machine skews results). */
  machine: {
    cpu: string;
    /** The first core's caches (`cpuCaches`, since run 27). */
    caches?: string;
    cores: number;
    kernel: string;
    pinned: boolean;
    loadAverage: number;
  };
  node: { gateway: string; loader: string };
  settings: {
    connections: number;
    warmupS: number;
    measureS: number;
    runs: number;
    payloadBytes: number;
    logLevel: string;
    /** The gateway's NODE_OPTIONS ('' for none). */
    gatewayNodeOptions?: string;
    /** V8 flags on the gateway's command line besides `--trace-gc` ('' for none). */
    gatewayV8Flags?: string;
    /** The node flags of the gateway image's `CMD`, which the gateway ran with (since run 22). */
    gatewayImageNodeFlags?: string;
    /** How long the half-capacity rate was held (since run 22). */
    sustainedS?: number;
    /** The fixed-rate runs' arrival process and the generator's pacing (since run 23; before: uniform, timer). */
    arrivals?: string;
    pacing?: string;
    /** Whether idle cores polled (`--idle-poll`) instead of halting (since run 23). */
    idlePoll?: boolean;
    /** Whether only the loader's core polled when idle (`--loader-poll`, since run 28). */
    loaderPoll?: boolean;
    /** The gateway's GATEWAY_BUSY_POLL_US (`--busy-poll`, since run 24; 0: off). */
    busyPollUs?: number;
    /** Whether the gateway recorded and exported its spans (`--traces`, since run 27; before: recorded, not exported). */
    tracesExported?: boolean;
  };
  direct: { capacity: CapacityResult };
  gateway: { capacity: CapacityResult };
  /** Absent in results written before the floor proxy was added. */
  floor?: FloorResult;
  rates: RatePoint[];
  /** Absent in results written before run 22. */
  sustained?: SustainedResult;
  failedRequests: number;
  /** Fixed-rate requests due but never sent (the in-flight bound held them: the target fell behind). */
  notSentRequests: number;
  /** Node process warnings the gateway printed during the run (e.g. MaxListenersExceededWarning). */
  gatewayProcessWarnings: number;
}

export interface SoakResult {
  kind: 'soak';
  date: string;
  label: string;
  command: string;
  node: { gateway: string };
  /** The gateway's NODE_OPTIONS ('' for none). */
  gatewayNodeOptions?: string;
  /** V8 flags on the gateway's command line besides `--trace-gc` ('' for none). */
  gatewayV8Flags?: string;
  /** Whether the gateway recorded and exported its spans (`--traces`, since run 27). */
  tracesExported?: boolean;
  rate: number;
  /** Seconds at the soak rate before the measured part (the heap sizes itself to the load). */
  settleS?: number;
  durationS: number;
  load: FixedRateResult;
  rssMiB: { start: number; end: number; max: number; samples: number[] };
  growthPercent: number;
  /** Heap left after each full collection during the measured part (MB, from `--trace-gc`). */
  liveHeapMiB?: { first: number; last: number; max: number; samples: number[] };
  /** First to last of {@link liveHeapMiB}: the leak signal (absent with fewer than two collections). */
  liveHeapGrowthPercent?: number;
  /** Growth from the middle sample to the last (the second 30 s of a 60 s soak). */
  secondHalfGrowthPercent?: number;
  /** Least-squares slope of the RSS samples over the measured part, MiB per minute. */
  slopeMiBPerMinute?: number;
  gatewayProcessWarnings: number;
}

/** One `--stages` scenario on a gateway of its own. */
export interface StageRow {
  scenario: string;
  description: string;
  settings: {
    apiKey: boolean;
    rbac: boolean;
    redis: boolean;
    schema: string;
    sanitize: string;
    /** Always: the audit trail cannot be switched off. */
    audit: true;
  };
  /** tools/call/s at the run's connections (closed loop). */
  rps: number;
  cpuMicrosPerCall?: number;
  /** Against the mean of the two baseline runs (first and last). */
  deltaCpuMicrosVsBaseline?: number;
  /** The scenario's redis-server's CPU per call (on the load generator's core, not in the gateway's). */
  redisCpuMicrosPerCall?: number;
  failed: number;
  latencyMs: LatencySummary;
}

/** A rejection path on the all-on gateway, against an accepted all-on call. */
export interface RejectionRow {
  request: string;
  status: number;
  /** Rejections per second (closed loop). */
  rps: number;
  cpuMicrosPerRequest?: number;
  acceptedCpuMicrosPerCall?: number;
  /** Accepted CPU ÷ rejected CPU: issue 5 item 9 asks for ≥ 2. */
  ratio?: number;
  atLeastTwiceAsCheap?: boolean;
  /** Answers with another status, socket errors and timeouts. */
  otherResponses: number;
  statuses: Record<string, number>;
  /** Latency of the rejections at the run's connections (closed loop). */
  latencyMs: LatencySummary;
}

/** What the stages and traces-cost results start with (the throughput result predates it). */
export interface ResultHeader {
  date: string;
  label: string;
  command: string;
  machine: BenchResult['machine'];
  node: { gateway: string; loader: string };
}

/** The closed-loop settings every closed-loop result records. */
export interface ClosedLoopSettings {
  connections: number;
  warmupS: number;
  measureS: number;
  payloadBytes: number;
  logLevel: string;
}

export interface StagesResult extends ResultHeader {
  kind: 'stages';
  settings: ClosedLoopSettings & { gatewayNodeOptions?: string };
  stages: StageRow[];
  rejections: RejectionRow[];
  notes: string[];
}

export const machineInfo = (pinned: boolean) => {
  const caches = cpuCaches();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    ...(caches ? { caches } : {}),
    cores: cpus().length,
    kernel: release(),
    pinned,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
};

/** `--traces-cost`: two gateways of one build, ids-only spans against spans exported (traces-cost.ts). */
export interface TracesCostResult extends TracesCostSummary, ResultHeader {
  kind: 'traces-cost';
  settings: ClosedLoopSettings & { scenario: string };
  /** Spans the traced gateway exported to the stand-in, and the audit events it shipped (two per call). */
  spansExported: number;
  auditEventsShipped: number;
  notes: string[];
}

export function tracesCostTable(result: TracesCostResult): string {
  const header =
    '| gateway Node | round | ids-only calls/s | ids-only CPU µs/call | traced calls/s | traced CPU µs/call | traced ÷ ids-only CPU | traced ÷ ids-only calls/s |\n|---|---|---|---|---|---|---|---|';
  const rows = result.rounds.map(
    (round, i) =>
      `| ${result.node.gateway} | ${i + 1} | ${round.idsOnly.rps} | ${round.idsOnly.cpuMicrosPerCall ?? 'n/a'} | ${round.traced.rps} | ${round.traced.cpuMicrosPerCall ?? 'n/a'} | ${round.cpuRatio ?? 'n/a'} | ${round.rpsRatio} |`,
  );
  const summary = `| ${result.node.gateway} | median | | | | | ${result.medianCpuRatio ?? 'n/a'} | ${result.medianRpsRatio} |`;
  return [header, ...rows, summary].join('\n');
}

/** Writes `<repo>/bench/results/<stamp>-<label>-<kind>.json`; returns the path. */
export function writeResult(
  repoRoot: string,
  result: BenchResult | SoakResult | StagesResult | TracesCostResult,
): string {
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
    const steal = r.rates.map((p) => num(p.gatewayCoreStealPercent, 1)).join(' / ');
    const gc = r.rates
      .map((p) =>
        p.gatewayGc
          ? `${p.gatewayGc.markCompacts} (${p.gatewayGc.longestScavengeMs.toFixed(1)})`
          : 'n/a',
      )
      .join(' / ');
    return `| ${r.node.gateway} | ${r.gateway.capacity.medianRps} | ${r.direct.capacity.medianRps} | ${cpu === undefined ? 'n/a' : cpu.toFixed(0)} | ${at(25)} | ${at(50)} | ${at(75)} | ${steal} | ${gc} | ${r.failedRequests} / ${r.notSentRequests} | ${r.gatewayProcessWarnings} | ${r.machine.loadAverage} |`;
  });
  return [
    '| gateway Node | gateway tools/call/s | direct tools/call/s | gateway CPU µs/call | added p50 / p99 ms at 25% | at 50% | at 75% | steal % of the gateway core in the gateway runs at 25 / 50 / 75% | gateway full GCs (longest scavenge ms) in those runs | failed / not sent | gateway process warnings | load average at start |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * The gateway next to the floor proxy at the same rates: CPU per call open loop (and the share of
 * the core it makes), and the floor's own added latency; then the floor at half of its capacity.
 */
export function floorTable(results: readonly BenchResult[]): string {
  const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n * 100)} %`);
  const rows = results.flatMap((r) => {
    const f = r.floor;
    if (!f) return [];
    const at = (p: number) => {
      const x = r.rates.find((y) => y.percentOfCapacity === p);
      if (!x) return 'n/a | n/a';
      return `${num(x.gatewayCpuMicrosPerCall)} (${pct(x.gatewayUtilization)}) | ${x.floorAddedP50Ms === undefined ? 'n/a' : ms(x.floorAddedP50Ms)} / ${x.floorAddedP99Ms === undefined ? 'n/a' : ms(x.floorAddedP99Ms)} (steal ${num(x.floorCoreStealPercent, 1)} %)`;
    };
    const h = f.atHalfCapacity;
    return [
      `| ${r.node.gateway} | ${num(r.gateway.capacity.cpuMicrosPerCall)} | ${at(25)} | ${at(50)} | ${at(75)} | ${f.capacity.medianRps} | ${num(f.capacity.cpuMicrosPerCall)} | ${ms(h.addedP50Ms)} / ${ms(h.addedP99Ms)} (${h.rate}/s, ${num(h.floorCpuMicrosPerCall)} µs, ${pct(h.floorUtilization)}, steal ${num(h.floorCoreStealPercent, 1)} %) |`,
    ];
  });
  if (!rows.length) return '';
  return [
    '| gateway Node | gateway CPU µs/call closed loop | open loop at 25%: gateway CPU µs/call (core busy) | floor added p50 / p99 ms (steal on its core) | at 50%: gateway CPU µs/call | floor added p50 / p99 | at 75%: gateway CPU µs/call | floor added p50 / p99 | floor tools/call/s | floor CPU µs/call | floor added p50 / p99 ms at half its capacity (rate, CPU µs/call, core busy, steal) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const num = (n: number | undefined, digits = 0) => (n === undefined ? 'n/a' : n.toFixed(digits));
const signed = (n: number | undefined) =>
  n === undefined ? 'n/a' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toFixed(0)}`;

/** The `--stages` tables: per scenario, then the rejection paths, then the notes. */
export function stagesTable(r: StagesResult): string {
  return [
    '| scenario | tools/call/s | CPU µs/call | Δ CPU µs vs baseline (mean of both runs) | Redis CPU µs/call | failed | what is on |',
    '|---|---|---|---|---|---|---|',
    ...r.stages.map(
      (s) =>
        `| ${s.scenario} | ${s.rps} | ${num(s.cpuMicrosPerCall)} | ${signed(s.deltaCpuMicrosVsBaseline)} | ${num(s.redisCpuMicrosPerCall)} | ${s.failed} | ${s.description} |`,
    ),
    '',
    '| rejection (all-on gateway) | req/s | p50 ms | CPU µs/request | accepted all-on CPU µs/call | accepted ÷ rejected | ≥ 2× cheaper | other answers |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rejections.map(
      (x) =>
        `| ${x.request} | ${x.rps} | ${num(x.latencyMs.p50, 3)} | ${num(x.cpuMicrosPerRequest)} | ${num(x.acceptedCpuMicrosPerCall)} | ${num(x.ratio, 2)} | ${x.atLeastTwiceAsCheap === undefined ? 'n/a' : x.atLeastTwiceAsCheap ? 'yes' : 'no'} | ${x.otherResponses} |`,
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n');
}

export function soakTable(results: readonly SoakResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.node.gateway} | ${r.rate} | ${r.settleS ?? 5} + ${r.durationS} | ${r.rssMiB.start.toFixed(1)} | ${r.rssMiB.end.toFixed(1)} | ${r.rssMiB.max.toFixed(1)} | ${r.growthPercent.toFixed(1)} | ${num(r.secondHalfGrowthPercent, 1)} | ${num(r.slopeMiBPerMinute, 1)} | ${r.liveHeapMiB ? `${r.liveHeapMiB.first.toFixed(1)} → ${r.liveHeapMiB.last.toFixed(1)} (${r.liveHeapMiB.samples.length})` : 'n/a'} | ${num(r.liveHeapGrowthPercent, 1)} | ${r.load.failed} | ${r.gatewayProcessWarnings} |`,
  );
  return [
    '| gateway Node | rate/s | seconds (settle + measured) | RSS start MiB | RSS end MiB | RSS max MiB | growth % | growth % over the second half | slope MiB/min | live heap after full GCs MB, first → last (count) | live heap growth % | failed requests | gateway process warnings |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
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
      ? `- added latency at half capacity: p50 ${ms(half.addedP50Ms)} ms (goal ≤ 0.5: ${half.addedP50Ms <= 0.5 ? 'met' : 'not met'}), p99 ${ms(half.addedP99Ms)} ms (goal ≤ 5: ${half.addedP99Ms <= 5 ? 'met' : 'not met'}); the host stole ${num(half.gatewayCoreStealPercent, 1)} % of the gateway's core meanwhile, and the gateway ran ${half.gatewayGc ? `${half.gatewayGc.markCompacts} full GC(s) and ${half.gatewayGc.scavenges} scavenges (longest ${half.gatewayGc.longestScavengeMs} ms)` : 'n/a'}`
      : '- added latency at half capacity: not measured',
    ...(r.sustained
      ? [
          `- held for ${r.sustained.durationS} s at half capacity (${r.sustained.rate}/s): added p50 ${ms(r.sustained.addedP50Ms)} ms (goal ≤ 0.5: ${r.sustained.addedP50Ms <= 0.5 ? 'met' : 'not met'}), p99 ${ms(r.sustained.addedP99Ms)} ms (goal ≤ 5: ${r.sustained.addedP99Ms <= 5 ? 'met' : 'not met'}); steal ${num(r.sustained.gatewayCoreStealPercent, 1)} %, ${r.sustained.gatewayGc ? `${r.sustained.gatewayGc.markCompacts} full GC(s) (longest ${r.sustained.gatewayGc.longestMarkCompactMs} ms)` : 'full GCs n/a'}`,
        ]
      : []),
    ...(half && r.floor
      ? [
          `- the floor proxy at the same rate adds p50 ${half.floorAddedP50Ms === undefined ? 'n/a' : ms(half.floorAddedP50Ms)} ms, p99 ${half.floorAddedP99Ms === undefined ? 'n/a' : ms(half.floorAddedP99Ms)} ms; at half of its own capacity p50 ${ms(r.floor.atHalfCapacity.addedP50Ms)} ms, p99 ${ms(r.floor.atHalfCapacity.addedP99Ms)} ms`,
        ]
      : []),
  ];
}
