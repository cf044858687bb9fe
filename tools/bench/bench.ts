/**
 * `npm run bench` (through run.sh): the same tools/call load (1 KB arguments) sent directly to the
 * fixture upstream and through the gateway, on loopback, bounded in time. The gateway runs from
 * its build, as its image runs it (build.ts builds it first).
 *
 *   throughput (default): capacity at 50 connections (3 s warm-up, 10 s measured, median of 3),
 *     gateway CPU µs per call from the process's CPU time, then added p50/p99 latency versus direct
 *     at fixed rates of 25%, 50% and 75% of the gateway's capacity (10 s each), and at 50% held for
 *     60 s. Capacity runs are closed loop (autocannon); the fixed-rate runs are open loop (fixed-rate.ts).
 *   --soak: 45 s to settle, then 60 s at half of a quick capacity estimate (open loop), gateway RSS
 *     sampled every 5 s over the 60 s: growth and least-squares slope.
 *   --stages: one gateway per pipeline stage scenario (scenarios.ts), tools/call/s and CPU µs per
 *     call at 50 connections (3 s warm-up, 5 s measured, 1 run), then the CPU cost of a 401 and a
 *     429 against an accepted call on the all-on gateway (stages.ts).
 *
 * Options: --node <binary> (runs the gateway and the upstream; default: this Node), --label <name>,
 * --log-level <level> (gateway LOG_LEVEL, default info), --gateway-node-options <flags> (the
 * gateway's NODE_OPTIONS, e.g. "--max-semi-space-size=64"; none by default), --gateway-v8-flags <flags>
 * (V8 flags on the gateway's command line, for those NODE_OPTIONS refuses, e.g. "--heap-growing-percent=200";
 * throughput and soak runs), --keep-logs (keep the processes' output), --quick (short runs, for a smoke test),
 * --scenario <name> (throughput and soak runs: `default`, or a stage scenario such as `all-on`),
 * --arrivals uniform|poisson (the fixed-rate runs' arrival process, default uniform), --pacing ticker|timer
 * (how the generator wakes for each send: a sub-millisecond ticker thread, default, or setTimeout as in
 * runs 1–22, which sends each millisecond's requests together), --idle-poll (holds /dev/cpu_dma_latency
 * at 0 during the run, so idle cores poll instead of halting; root only), --busy-poll <µs> (the gateway's
 * GATEWAY_BUSY_POLL_US, ADR 0010: its event loop polls for that long after each request; default 0, off),
 * --loader-poll (only the load generator's core polls when idle, through its per-CPU PM QoS
 * latency; the gateway's core keeps the machine's policy; root only).
 * Results: bench/results/<date>-<label>-<kind>.json, and a markdown table on stdout.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchTargets } from './build.js';
import { startStealMeter } from './cpu-steal.js';
import { GC_EVENT, summarizeGc, type GcSummary } from './gc-trace.js';
import { gatewayImageNodeFlags } from './image-flags.js';
import { PACINGS, runFixedRate, type FixedRateResult } from './fixed-rate.js';
import { holdCorePolling, holdIdlePolling } from './idle-poll.js';
import { ARRIVALS } from './schedule.js';
import { runLoad, type LoadOptions } from './load.js';
import { canPin, pinProcess, type BenchProcess } from './processes.js';
import {
  goalLines,
  machineInfo,
  soakTable,
  stagesTable,
  throughputTable,
  tracesCostTable,
  writeResult,
  floorTable,
  type BenchResult,
  type CapacityResult,
  type RatePoint,
  type SoakResult,
  type StagesResult,
  type SustainedResult,
  type TracesCostResult,
  type ResultHeader,
  type ClosedLoopSettings,
} from './report.js';
import {
  GATEWAY_CPU,
  LOADER_CPU,
  preflight,
  startStack,
  toolCallBody,
  type Stack,
} from './stack.js';
import { DEFAULT_SCENARIO, STAGE_SCENARIOS } from './scenarios.js';
import { runStages } from './stages.js';
import { median, round3 } from './stats.js';
import { measureTracesCost } from './traces-cost.js';
import {
  MARK_COMPACT,
  growth,
  liveHeapAfterFullGcs,
  secondHalfGrowth,
  slopePerMinute,
} from './soak-analysis.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    label: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'gateway-node-options': { type: 'string', default: '' },
    'gateway-v8-flags': { type: 'string', default: '' },
    'keep-logs': { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    stages: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', default: DEFAULT_SCENARIO.name },
    arrivals: { type: 'string', default: 'uniform' },
    pacing: { type: 'string', default: 'ticker' },
    'idle-poll': { type: 'boolean', default: false },
    'loader-poll': { type: 'boolean', default: false },
    'busy-poll': { type: 'string', default: '0' },
    traces: { type: 'boolean', default: false },
    'traces-cost': { type: 'boolean', default: false },
  },
});
/** The option's value when it is one of `allowed`; otherwise a clear error. */
function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${option} must be one of ${allowed.join(', ')}`);
}
const ALL_SCENARIOS = [DEFAULT_SCENARIO, ...STAGE_SCENARIOS];
const scenario = (() => {
  const found = ALL_SCENARIOS.find((s) => s.name === values.scenario);
  if (!found)
    throw new Error(`--scenario must be one of ${ALL_SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
})();
const arrivals = oneOf(values.arrivals, ARRIVALS, '--arrivals');
const pacing = oneOf(values.pacing, PACINGS, '--pacing');
const busyPollUs = Number(values['busy-poll']);
if (!/^\d+$/.test(values['busy-poll']) || busyPollUs > 100_000)
  throw new Error('--busy-poll must be a whole number of microseconds, 0-100000');
if (values.soak && values.stages)
  throw new Error('--soak and --stages are separate runs: pick one');
if (values['idle-poll'] && values['loader-poll'])
  throw new Error('--idle-poll already makes every core poll: pick one of it and --loader-poll');
if (values.traces && values.stages)
  throw new Error('--traces applies to the throughput and soak runs, not --stages');
if (
  values['traces-cost'] &&
  (values.soak ||
    values.stages ||
    values.traces ||
    values['gateway-v8-flags'] ||
    values['busy-poll'] !== '0')
)
  throw new Error(
    '--traces-cost is a run of its own: not with --soak, --stages, --traces, --gateway-v8-flags or --busy-poll',
  );
const timing = values.quick
  ? {
      warmupS: 1,
      measureS: 2,
      runs: 1,
      soakS: 6,
      soakSettleS: 2,
      stageWarmupS: 1,
      stageMeasureS: 2,
      sustainedS: 4,
      connections: 50,
    }
  : {
      warmupS: 3,
      measureS: 10,
      runs: 3,
      soakS: 60,
      soakSettleS: 45,
      stageWarmupS: 3,
      stageMeasureS: 5,
      sustainedS: 60,
      connections: 50,
    };
const gatewayNode = execFileSync(values.node, ['--version'], { encoding: 'utf8' }).trim();
/** Boolean options that change what is measured, each marked in the label as `-<name without dashes>`. */
const flagPart = (flag: 'idle-poll' | 'loader-poll' | 'traces' | 'traces-cost') =>
  values[flag] ? flag.replace(/-/g, '') : undefined;
const label =
  values.label ??
  [
    `node${gatewayNode.replace(/^v/, '').split('.')[0]}`,
    scenario.name === DEFAULT_SCENARIO.name ? undefined : scenario.name.replace(/[^a-z0-9-]/g, ''),
    values['gateway-node-options'] ? 'nodeopts' : undefined,
    values['gateway-v8-flags'] ? 'v8flags' : undefined,
    arrivals === 'uniform' ? undefined : arrivals,
    pacing === 'ticker' ? undefined : pacing,
    flagPart('idle-poll'),
    flagPart('loader-poll'),
    busyPollUs ? `busypoll${busyPollUs}` : undefined,
    flagPart('traces'),
    flagPart('traces-cost'),
  ]
    .filter((part) => part !== undefined)
    .join('-');
const flags = [
  'soak',
  'stages',
  'quick',
  'keep-logs',
  'idle-poll',
  'loader-poll',
  'traces',
  'traces-cost',
] as const;
const given = flags.filter((flag) => values[flag]).map((flag) => `--${flag}`);
if (values['gateway-node-options'])
  given.push(`--gateway-node-options="${values['gateway-node-options']}"`);
if (values['gateway-v8-flags']) given.push(`--gateway-v8-flags="${values['gateway-v8-flags']}"`);
if (arrivals !== 'uniform') given.push(`--arrivals ${arrivals}`);
if (busyPollUs) given.push(`--busy-poll ${busyPollUs}`);
if (pacing !== 'ticker') given.push(`--pacing ${pacing}`);
/** V8 flags for the gateway's command line: NODE_OPTIONS refuses most of them. */
const gatewayV8Flags = values['gateway-v8-flags'].split(/\s+/).filter(Boolean);
const command = `npm run bench${given.length ? ` -- ${given.join(' ')}` : ''} (gateway on ${gatewayNode})`;
const payload = 'x'.repeat(1000) + randomTail(24);

function randomTail(length: number): string {
  return Array.from({ length }, (_, i) =>
    String.fromCharCode(97 + ((i * 7 + Date.now()) % 26)),
  ).join('');
}

const log = (message: string) => console.error(`[bench ${label}] ${message}`);

type Target = 'direct' | 'gateway' | 'floor';

/** Where a target listens, the tool's name there, and the process whose CPU is measured (gateway, floor). */
function targetOf(
  stack: Stack,
  target: Target,
): { url: string; tool: string; process?: BenchProcess } {
  if (target === 'direct') return { url: stack.directUrl, tool: 'echo' };
  if (target === 'gateway')
    return { url: stack.gatewayUrl, tool: 'bench__echo', process: stack.gateway };
  if (!stack.floorUrl || !stack.floor) throw new Error('the floor proxy is not running');
  return { url: stack.floorUrl, tool: 'bench__echo', process: stack.floor };
}

const perCall = (cpuMicros: number | undefined, calls: number) =>
  cpuMicros !== undefined && cpuMicros > 0 && calls > 0
    ? Math.round((cpuMicros / calls) * 10) / 10
    : undefined;

async function capacity(stack: Stack, target: Target): Promise<CapacityResult> {
  const { url, tool, process: measured } = targetOf(stack, target);
  const load: LoadOptions = {
    url,
    body: toolCallBody(tool, payload),
    headers: stack.headers,
    connections: timing.connections,
    durationS: timing.warmupS,
  };
  await runLoad(load); // warm-up: JIT, connection pools, caches
  const runs = [];
  let cpu = 0;
  for (let i = 0; i < timing.runs; i += 1) {
    const before = measured?.cpuMicros();
    const run = await runLoad({ ...load, durationS: timing.measureS });
    const after = measured?.cpuMicros();
    if (before !== undefined && after !== undefined) cpu += after - before;
    runs.push(run);
    log(
      `${target} capacity run ${i + 1}: ${run.rps} tools/call/s, p50 ${run.latencyMs.p50} ms, ${run.failed} failed`,
    );
  }
  const cpuMicrosPerCall = perCall(
    cpu,
    runs.reduce((n, r) => n + r.ok, 0),
  );
  return {
    runs,
    medianRps: Math.round(median(runs.map((r) => r.rps))),
    ...(cpuMicrosPerCall !== undefined ? { cpuMicrosPerCall } : {}),
  };
}

/** One open-loop run at `rate` against `target`, with the CPU per call of the target's process. */
async function atRate(
  stack: Stack,
  target: Target,
  rate: number,
  durationS = timing.measureS,
): Promise<
  FixedRateResult & {
    cpuMicrosPerCall?: number;
    stealPercent?: Record<string, number>;
    gc?: GcSummary;
  }
> {
  const { url, tool, process: measured } = targetOf(stack, target);
  // Over the whole run, its warm-up included: the host's steal is not the target's doing.
  const steal = startStealMeter([GATEWAY_CPU, LOADER_CPU]);
  // Where the measured part starts and ends in the target's output (its GC trace, for the gateway).
  const outputMarks: number[] = [];
  const result = await runFixedRate({
    url,
    body: toolCallBody(tool, payload),
    headers: stack.headers,
    connections: timing.connections,
    // Same rate, same pool, not counted: connections opened and the generator's code warm.
    warmupS: Math.min(2, timing.warmupS),
    durationS,
    rate,
    arrivals,
    pacing,
    ...(measured
      ? {
          sample: () => {
            outputMarks.push(measured.outputBytes());
            return measured.cpuMicros();
          },
        }
      : {}),
  });
  const stealPercent = steal.stop();
  const [from, to] = outputMarks;
  const gc =
    target === 'gateway' && measured && from !== undefined && to !== undefined
      ? summarizeGc(await measured.linesBetween(from, to, GC_EVENT))
      : undefined;
  const cpuMicrosPerCall = perCall(result.sampledDelta, result.scheduled);
  return {
    ...result,
    ...(cpuMicrosPerCall !== undefined ? { cpuMicrosPerCall } : {}),
    ...(stealPercent ? { stealPercent } : {}),
    ...(gc ? { gc } : {}),
  };
}

/** The host's steal on the gateway's core (where the floor proxy runs too) during a fixed-rate run. */
const gatewayCoreSteal = (run: { stealPercent?: Record<string, number> }) =>
  run.stealPercent?.[`cpu${GATEWAY_CPU}`];

const utilization = (rate: number, cpuMicrosPerCall: number | undefined) =>
  cpuMicrosPerCall === undefined ? undefined : Math.round(rate * cpuMicrosPerCall) / 1e6;

async function throughput(stack: Stack): Promise<BenchResult> {
  const machine = machineInfo(canPin);
  const direct = await capacity(stack, 'direct');
  const gateway = await capacity(stack, 'gateway');
  const floor = await capacity(stack, 'floor');
  const rates: RatePoint[] = [];
  for (const pct of [25, 50, 75]) {
    const rate = Math.max(1, Math.round((gateway.medianRps * pct) / 100));
    const d = await atRate(stack, 'direct', rate);
    const g = await atRate(stack, 'gateway', rate);
    const f = await atRate(stack, 'floor', rate);
    rates.push({
      percentOfCapacity: pct,
      rate,
      direct: d,
      gateway: g,
      floor: f,
      ...added(g, d),
      addedSendP50Ms: round3(g.sendLatencyMs.p50 - d.sendLatencyMs.p50),
      addedSendP99Ms: round3(g.sendLatencyMs.p99 - d.sendLatencyMs.p99),
      floorAddedP50Ms: round3(f.latencyMs.p50 - d.latencyMs.p50),
      floorAddedP99Ms: round3(f.latencyMs.p99 - d.latencyMs.p99),
      ...optional('gatewayCpuMicrosPerCall', g.cpuMicrosPerCall),
      ...optional('gatewayUtilization', utilization(rate, g.cpuMicrosPerCall)),
      ...optional('floorCpuMicrosPerCall', f.cpuMicrosPerCall),
      ...optional('gatewayCoreStealPercent', gatewayCoreSteal(g)),
      ...optional('floorCoreStealPercent', gatewayCoreSteal(f)),
      ...(g.gc ? { gatewayGc: g.gc } : {}),
    });
    log(
      `${pct}% (${rate}/s): direct p50/p99 ${d.latencyMs.p50}/${d.latencyMs.p99} ms, gateway ${g.latencyMs.p50}/${g.latencyMs.p99} ms, floor ${f.latencyMs.p50}/${f.latencyMs.p99} ms (from the schedule); gateway ${g.cpuMicrosPerCall ?? 'n/a'} µs CPU per call; steal on core ${GATEWAY_CPU} ${gatewayCoreSteal(g) ?? 'n/a'} % (gateway run), ${gatewayCoreSteal(f) ?? 'n/a'} % (floor run); gateway GC: ${g.gc ? `${g.gc.markCompacts} full (longest ${g.gc.longestMarkCompactMs} ms), ${g.gc.scavenges} scavenges (longest ${g.gc.longestScavengeMs} ms)` : 'n/a'}; gateway sent ${g.sent}/${g.scheduled}, max send lag ${g.maxSendLagMs} ms`,
    );
  }
  const sustained = await sustainedAtHalf(
    stack,
    (rates.find((r) => r.percentOfCapacity === 50) as RatePoint).rate,
  );
  // The floor at half of its own capacity: what the added-latency goal asks of a proxy that does nothing.
  const floorHalfRate = Math.max(1, Math.round(floor.medianRps / 2));
  const floorHalfDirect = await atRate(stack, 'direct', floorHalfRate);
  const floorHalf = await atRate(stack, 'floor', floorHalfRate);
  const floorAtHalfCapacity = {
    rate: floorHalfRate,
    direct: floorHalfDirect,
    floor: floorHalf,
    addedP50Ms: round3(floorHalf.latencyMs.p50 - floorHalfDirect.latencyMs.p50),
    addedP99Ms: round3(floorHalf.latencyMs.p99 - floorHalfDirect.latencyMs.p99),
    ...optional('floorCpuMicrosPerCall', floorHalf.cpuMicrosPerCall),
    ...optional('floorUtilization', utilization(floorHalfRate, floorHalf.cpuMicrosPerCall)),
    ...optional('floorCoreStealPercent', gatewayCoreSteal(floorHalf)),
  };
  log(
    `floor at half its capacity (${floorHalfRate}/s): added p50/p99 ${floorAtHalfCapacity.addedP50Ms}/${floorAtHalfCapacity.addedP99Ms} ms`,
  );
  const fixed: FixedRateResult[] = [
    ...rates.flatMap((r) => [r.direct, r.gateway, ...(r.floor ? [r.floor] : [])]),
    sustained.direct,
    sustained.gateway,
    floorHalfDirect,
    floorHalf,
  ];
  const all = [...direct.runs, ...gateway.runs, ...floor.runs, ...fixed];
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
      gatewayNodeOptions: values['gateway-node-options'],
      gatewayV8Flags: values['gateway-v8-flags'],
      gatewayImageNodeFlags: gatewayImageNodeFlags(repoRoot).join(' '),
      sustainedS: timing.sustainedS,
      arrivals,
      pacing,
      idlePoll: values['idle-poll'],
      loaderPoll: values['loader-poll'],
      busyPollUs,
      tracesExported: values.traces,
    },
    direct: { capacity: direct },
    gateway: { capacity: gateway },
    floor: { capacity: floor, atHalfCapacity: floorAtHalfCapacity },
    rates,
    sustained,
    failedRequests: all.reduce((n, r) => n + r.failed, 0),
    notSentRequests: fixed.reduce((n, r) => n + r.notSent, 0),
    gatewayProcessWarnings: stack.gateway.countLines(PROCESS_WARNING),
  };
}

/**
 * Half of capacity held for `sustainedS` (60 s), direct then gateway. A 10 s run's p99 is decided
 * by whether one of the gateway's full GCs, which come tens of seconds apart, falls in it; over a
 * minute the p99 counts them at the rate they come.
 */
async function sustainedAtHalf(stack: Stack, rate: number): Promise<SustainedResult> {
  const direct = await atRate(stack, 'direct', rate, timing.sustainedS);
  const gateway = await atRate(stack, 'gateway', rate, timing.sustainedS);
  const result: SustainedResult = {
    rate,
    durationS: timing.sustainedS,
    direct,
    gateway,
    ...added(gateway, direct),
    ...optional('gatewayCpuMicrosPerCall', gateway.cpuMicrosPerCall),
    ...optional('gatewayCoreStealPercent', gatewayCoreSteal(gateway)),
    ...(gateway.gc ? { gatewayGc: gateway.gc } : {}),
  };
  log(
    `50% held for ${timing.sustainedS} s (${rate}/s): direct p50/p99 ${direct.latencyMs.p50}/${direct.latencyMs.p99} ms, gateway ${gateway.latencyMs.p50}/${gateway.latencyMs.p99} ms; gateway GC: ${gateway.gc ? `${gateway.gc.markCompacts} full (longest ${gateway.gc.longestMarkCompactMs} ms)` : 'n/a'}`,
  );
  return result;
}

/** The gateway's p50 and p99 minus the direct path's, from the schedule. */
const added = (gateway: FixedRateResult, direct: FixedRateResult) => ({
  addedP50Ms: round3(gateway.latencyMs.p50 - direct.latencyMs.p50),
  addedP99Ms: round3(gateway.latencyMs.p99 - direct.latencyMs.p99),
});

/** `{ [key]: value }` when the value is known, else nothing (exactOptionalPropertyTypes). */
function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
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
  const samples: number[] = [];
  const sample = () =>
    samples.push(Math.round(((stack.gateway.rssBytes() ?? 0) / 2 ** 20) * 10) / 10);
  let timer: NodeJS.Timeout | undefined;
  // V8 grows its heap to the working size of a new load level in steps over the first 40 s or so
  // (Node 24 here; a 5-minute run stays flat after that): the settle period runs at the soak rate
  // and is not measured. RSS sampling starts when the measured part does.
  const settleS = timing.soakSettleS;
  let fullGcsBefore = 0;
  const startSampling = setTimeout(() => {
    fullGcsBefore = stack.gateway.matchingLines(MARK_COMPACT).length;
    sample();
    timer = setInterval(sample, 5000);
  }, settleS * 1000);
  const result = await runFixedRate({
    ...load,
    warmupS: settleS,
    durationS: timing.soakS,
    rate,
    arrivals,
    pacing,
  });
  clearTimeout(startSampling);
  clearInterval(timer);
  sample();
  const start = samples[0] ?? 0;
  const end = samples[samples.length - 1] ?? 0;
  const liveHeap = liveHeapAfterFullGcs(
    stack.gateway.matchingLines(MARK_COMPACT).slice(fullGcsBefore),
  );
  return {
    kind: 'soak',
    date: new Date().toISOString(),
    label,
    command,
    node: { gateway: gatewayNode },
    gatewayNodeOptions: values['gateway-node-options'],
    gatewayV8Flags: values['gateway-v8-flags'],
    tracesExported: values.traces,
    rate,
    settleS,
    durationS: timing.soakS,
    load: result,
    rssMiB: { start, end, max: Math.max(...samples), samples },
    ...(liveHeap.length >= 2
      ? {
          liveHeapMiB: {
            first: liveHeap[0] ?? 0,
            last: liveHeap[liveHeap.length - 1] ?? 0,
            max: Math.max(...liveHeap),
            samples: liveHeap,
          },
          liveHeapGrowthPercent: growth(liveHeap[0] ?? 0, liveHeap[liveHeap.length - 1] ?? 0),
        }
      : {}),
    growthPercent: growth(start, end),
    secondHalfGrowthPercent: secondHalfGrowth(samples),
    slopeMiBPerMinute: Math.round(slopePerMinute(samples, 5) * 10) / 10,
    gatewayProcessWarnings: stack.gateway.countLines(PROCESS_WARNING),
  };
}

/** A Node process warning line, e.g. `(node:123) MaxListenersExceededWarning: ...`. */
const PROCESS_WARNING = /^\(node:\d+\) \w+Warning: /;

const AUDIT_NOTE =
  'Audit is on in every scenario: the write-ahead record and the final audit event are a security control the config cannot switch off, so the baseline includes it.';

/** The header of a stages or traces-cost result, taken when the run ends. */
function resultHeader(machine: BenchResult['machine']): ResultHeader {
  return {
    date: new Date().toISOString(),
    label,
    command,
    machine,
    node: { gateway: gatewayNode, loader: process.version },
  };
}

/** Closed-loop settings of a stages or traces-cost result. */
function closedLoopSettings(warmupS: number, measureS: number): ClosedLoopSettings {
  return {
    connections: timing.connections,
    warmupS,
    measureS,
    payloadBytes: payload.length,
    logLevel: values['log-level'],
  };
}

async function stages(): Promise<StagesResult> {
  const machine = machineInfo(canPin);
  const result = await runStages({
    repoRoot,
    node: values.node,
    logLevel: values['log-level'],
    gatewayNodeOptions: values['gateway-node-options'],
    payload,
    timing: {
      warmupS: timing.stageWarmupS,
      measureS: timing.stageMeasureS,
      connections: timing.connections,
    },
    log,
  });
  return {
    kind: 'stages',
    ...resultHeader(machine),
    settings: {
      ...closedLoopSettings(timing.stageWarmupS, timing.stageMeasureS),
      gatewayNodeOptions: values['gateway-node-options'],
    },
    ...result,
    notes: [
      AUDIT_NOTE,
      'Baseline caller: anonymous with the admin role (the authorizer skips tool sets for admin); "+rbac" gives it role bench and a tool set instead.',
      '"+redis" moves the whole state store to Redis (REDIS_URL): rate-limit buckets, the audit outbox (durable write-ahead) and key lookups; the config has no knob for the rate limiter alone.',
      "CPU µs is the gateway process only (/proc/<pid>/stat); Redis runs on the load generator's core and is reported in its own column.",
    ],
  };
}

async function tracesCost(): Promise<TracesCostResult> {
  const machine = machineInfo(canPin);
  const common = {
    repoRoot,
    node: values.node,
    logLevel: values['log-level'],
    gatewayNodeOptions: values['gateway-node-options'],
    scenario,
    floor: false,
    keepLogs: values['keep-logs'],
  };
  const idsOnly = await startStack(common);
  try {
    const traced = await startStack({ ...common, exportTraces: true });
    try {
      const body = toolCallBody('bench__echo', payload);
      for (const stack of [idsOnly, traced])
        await preflight(stack.gatewayUrl, stack.headers, body, payload);
      const target = (stack: Stack) => ({
        url: stack.gatewayUrl,
        headers: stack.headers,
        process: stack.gateway,
      });
      const summary = await measureTracesCost({
        idsOnly: target(idsOnly),
        traced: target(traced),
        body,
        connections: timing.connections,
        warmupS: timing.warmupS,
        measureS: timing.measureS,
        rounds: timing.runs + 1,
        log,
      });
      log(
        `spans exported by the traced gateway: ${traced.spansExported()}; audit events it shipped: ${traced.auditEventsShipped()} (two per call)`,
      );
      return {
        kind: 'traces-cost',
        ...resultHeader(machine),
        settings: {
          ...closedLoopSettings(timing.warmupS, timing.measureS),
          scenario: scenario.name,
        },
        ...summary,
        spansExported: traced.spansExported(),
        auditEventsShipped: traced.auditEventsShipped(),
        notes: [
          'Both gateways run the same build on the gateway core; closed-loop runs alternate between them, ids-only first in each round.',
          'CPU µs per call is the gateway process only (/proc/<pid>/stat), exporter included.',
        ],
      };
    } finally {
      await traced.close();
    }
  } finally {
    await idsOnly.close();
  }
}

async function main(): Promise<void> {
  const releaseIdlePolling = values['idle-poll'] ? holdIdlePolling() : undefined;
  const releaseLoaderPolling = values['loader-poll'] ? holdCorePolling(LOADER_CPU) : undefined;
  try {
    await bench();
  } finally {
    releaseLoaderPolling?.();
    releaseIdlePolling?.();
  }
}

async function bench(): Promise<void> {
  if (canPin) pinProcess(process.pid, LOADER_CPU);
  if (values['idle-poll'])
    log('idle cores poll instead of halting (/dev/cpu_dma_latency held at 0)');
  if (values['loader-poll'])
    log(
      `core ${LOADER_CPU} (load generator, upstream, sinks) polls instead of halting when idle; the gateway's core ${GATEWAY_CPU} keeps the machine's policy`,
    );
  if (values.traces)
    log('the gateway records its spans and exports them over OTLP/HTTP to the collector stand-in');
  if (busyPollUs)
    log(
      `the gateway busy-polls ${busyPollUs} µs after each request: its open-loop CPU per call counts the polling; the floor proxy does not poll`,
    );
  log(
    `gateway and upstream on ${gatewayNode}, load generator on ${process.version}; ${canPin ? 'gateway pinned to core 0' : 'taskset missing: not pinned'}`,
  );
  const machine = machineInfo(canPin);
  log(
    `machine: ${machine.cpu}${machine.caches ? ` (${machine.caches})` : ''}, ${machine.cores} cores, kernel ${machine.kernel}`,
  );
  buildBenchTargets(repoRoot, log);
  if (values.stages) {
    const result = await stages();
    log(`wrote ${writeResult(repoRoot, result)}`);
    console.log(stagesTable(result));
    return;
  }
  if (values['traces-cost']) {
    const result = await tracesCost();
    log(`wrote ${writeResult(repoRoot, result)}`);
    console.log(tracesCostTable(result));
    return;
  }
  log(`scenario ${scenario.name}: ${scenario.description}`);
  const stack = await startStack({
    repoRoot,
    node: values.node,
    logLevel: values['log-level'],
    gatewayNodeOptions: values['gateway-node-options'],
    // The soak reads the live heap after each full collection from V8's GC trace; the fixed-rate
    // runs, which collections happened while they ran (a full one sets the run's p99).
    gatewayNodeArgs: ['--trace-gc', ...gatewayV8Flags],
    scenario,
    floor: !values.soak,
    keepLogs: values['keep-logs'],
    gatewayBusyPollUs: busyPollUs,
    exportTraces: values.traces,
  });
  try {
    await preflight(stack.directUrl, stack.headers, toolCallBody('echo', payload), payload);
    await preflight(stack.gatewayUrl, stack.headers, toolCallBody('bench__echo', payload), payload);
    if (stack.floorUrl)
      await preflight(stack.floorUrl, stack.headers, toolCallBody('bench__echo', payload), payload);
    if (values.soak) {
      const result = await soak(stack);
      log(`wrote ${writeResult(repoRoot, result)}`);
      if (values.traces) log(`spans exported to the stand-in: ${stack.spansExported()}`);
      console.log(soakTable([result]));
    } else {
      const result = await throughput(stack);
      log(
        `wrote ${writeResult(repoRoot, result)} (audit events shipped to the collector stand-in: ${stack.auditEventsShipped()}, of which decision "error": ${stack.auditErrorsShipped()} — calls failed or cut off by the closed-loop runs' ends${values.traces ? `; spans exported: ${stack.spansExported()}` : ''})`,
      );
      console.log(throughputTable([result]));
      console.log(`\n${floorTable([result])}\n`);
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
