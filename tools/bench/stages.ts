/**
 * `--stages`: the cost of each pipeline stage (issue 5 item 9). One gateway per scenario (see
 * scenarios.ts), closed-loop load at 50 connections, gateway tools/call/s and gateway CPU µs per
 * call; then, on the all-on gateway, the CPU cost of the two rejection paths (401 for an unknown
 * API key, 429 for a client whose bucket is empty) against an accepted call.
 */
import { randomBytes } from 'node:crypto';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { readCpuMicros } from './processes.js';
import type { RejectionRow, StageRow } from './report.js';
import { BENCH_ROLE, EXHAUSTED_CLIENT, STAGE_SCENARIOS, type Scenario } from './scenarios.js';
import { preflight, startStack, toolCallBody, type Stack } from './stack.js';

export interface StagesContext {
  repoRoot: string;
  node: string;
  logLevel: string;
  gatewayNodeOptions?: string;
  payload: string;
  timing: { warmupS: number; measureS: number; connections: number };
  log: (message: string) => void;
}

const TOOL = 'bench__echo';
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Closed-loop warm-up then one measured run, with the CPU the gateway (and Redis) spent on it. */
async function measure(
  stack: Stack,
  ctx: StagesContext,
  load: Omit<LoadOptions, 'durationS' | 'connections'>,
): Promise<{ run: LoadResult; gatewayCpu?: number; redisCpu?: number }> {
  const options = { ...load, connections: ctx.timing.connections };
  await runLoad({ ...options, durationS: ctx.timing.warmupS });
  const redisCpu = () => (stack.redis ? readCpuMicros(stack.redis.pid) : undefined);
  const before = { gateway: stack.gateway.cpuMicros(), redis: redisCpu() };
  const run = await runLoad({ ...options, durationS: ctx.timing.measureS });
  const after = { gateway: stack.gateway.cpuMicros(), redis: redisCpu() };
  const delta = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined ? b - a : undefined;
  const gatewayCpu = delta(before.gateway, after.gateway);
  const redis = delta(before.redis, after.redis);
  return {
    run,
    ...(gatewayCpu !== undefined ? { gatewayCpu } : {}),
    ...(redis !== undefined ? { redisCpu: redis } : {}),
  };
}

const perRequest = (cpu: number | undefined, count: number) =>
  cpu !== undefined && count > 0 ? round1(cpu / count) : undefined;

/** A well-formed API key (`mcpgw_<16 hex>_<43 base64url>`) the gateway never issued. */
export const unknownApiKey = () =>
  `mcpgw_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;

async function expectStatus(
  stack: Stack,
  headers: Record<string, string>,
  body: string,
  status: number,
): Promise<void> {
  const res = await fetch(stack.gatewayUrl, { method: 'POST', headers, body });
  const text = await res.text();
  if (res.status !== status)
    throw new Error(
      `expected HTTP ${status} from the gateway, got ${res.status}: ${text.slice(0, 300)}`,
    );
}

async function rejections(
  stack: Stack,
  ctx: StagesContext,
  acceptedCpu: number | undefined,
): Promise<RejectionRow[]> {
  const body = toolCallBody(TOOL, ctx.payload);
  const withKey = (key: string) => ({ ...stack.headers, authorization: `Bearer ${key}` });
  const exhaustedKey = await stack.createKey({ roles: [BENCH_ROLE], clientId: EXHAUSTED_CLIENT });
  await expectStatus(stack, withKey(exhaustedKey), body, 200); // the bucket's only token
  const cases: Array<{
    name: string;
    status: number;
    load: Omit<LoadOptions, 'durationS' | 'connections'>;
  }> = [
    {
      name: '401 unknown API key (a new one each request: store lookup)',
      status: 401,
      load: {
        url: stack.gatewayUrl,
        body,
        headers: withKey(unknownApiKey()),
        perRequestHeaders: () => ({ authorization: `Bearer ${unknownApiKey()}` }),
        expectStatus: 401,
      },
    },
    {
      name: '401 unknown API key (the same one: cached negative lookup)',
      status: 401,
      load: { url: stack.gatewayUrl, body, headers: withKey(unknownApiKey()), expectStatus: 401 },
    },
    {
      name: `429 client with an empty bucket (${EXHAUSTED_CLIENT}: capacity 1, no refill)`,
      status: 429,
      load: { url: stack.gatewayUrl, body, headers: withKey(exhaustedKey), expectStatus: 429 },
    },
  ];
  const rows: RejectionRow[] = [];
  for (const c of cases) {
    await expectStatus(stack, c.load.headers, body, c.status);
    const { run, gatewayCpu } = await measure(stack, ctx, c.load);
    const cpu = perRequest(gatewayCpu, run.ok);
    const ratio =
      cpu !== undefined && acceptedCpu !== undefined && cpu > 0
        ? Math.round((acceptedCpu / cpu) * 100) / 100
        : undefined;
    rows.push({
      request: c.name,
      status: c.status,
      rps: run.rps,
      ...(cpu !== undefined ? { cpuMicrosPerRequest: cpu } : {}),
      ...(acceptedCpu !== undefined ? { acceptedCpuMicrosPerCall: acceptedCpu } : {}),
      ...(ratio !== undefined ? { ratio, atLeastTwiceAsCheap: ratio >= 2 } : {}),
      otherResponses: run.failed,
      statuses: run.statuses,
      latencyMs: run.latencyMs,
    });
    ctx.log(
      `${c.name}: ${run.rps}/s, p50 ${run.latencyMs.p50} ms, ${cpu ?? 'n/a'} CPU µs/request, ratio ${ratio ?? 'n/a'}`,
    );
  }
  return rows;
}

/** The label of the baseline's second run (the machine's drift over the whole `--stages` run). */
export const BASELINE_AGAIN = 'baseline (again)';

/**
 * Runs every stage scenario, each on a gateway (and Redis) of its own, the rejection paths on the
 * all-on gateway, and the baseline once more at the end: Δ CPU is taken against the mean of the
 * two baseline runs, and their difference shows how much the machine drifted meanwhile.
 */
export async function runStages(
  ctx: StagesContext,
): Promise<{ stages: StageRow[]; rejections: RejectionRow[] }> {
  const measured: Array<{
    scenario: Scenario;
    label: string;
    run: LoadResult;
    cpu?: number;
    redisCpu?: number;
  }> = [];
  let rejectionRows: RejectionRow[] = [];
  const baseline = STAGE_SCENARIOS[0];
  const plan = baseline
    ? [
        ...STAGE_SCENARIOS.map((scenario) => ({ scenario, label: scenario.name })),
        { scenario: baseline, label: BASELINE_AGAIN },
      ]
    : [];
  for (const { scenario, label } of plan) {
    const stack = await startStack({
      repoRoot: ctx.repoRoot,
      node: ctx.node,
      logLevel: ctx.logLevel,
      ...(ctx.gatewayNodeOptions ? { gatewayNodeOptions: ctx.gatewayNodeOptions } : {}),
      scenario,
    });
    try {
      const body = toolCallBody(TOOL, ctx.payload);
      await preflight(stack.gatewayUrl, stack.headers, body, ctx.payload);
      const { run, gatewayCpu, redisCpu } = await measure(stack, ctx, {
        url: stack.gatewayUrl,
        body,
        headers: stack.headers,
      });
      const cpu = perRequest(gatewayCpu, run.ok);
      const redis = perRequest(redisCpu, run.ok);
      measured.push({
        scenario,
        label,
        run,
        ...(cpu !== undefined ? { cpu } : {}),
        ...(redis !== undefined ? { redisCpu: redis } : {}),
      });
      ctx.log(
        `stage ${label}: ${run.rps} tools/call/s, ${cpu ?? 'n/a'} CPU µs/call, ${run.failed} failed`,
      );
      if (label === 'all-on') rejectionRows = await rejections(stack, ctx, cpu);
    } catch (err) {
      ctx.log(`gateway output (${label}):\n${stack.gateway.tail()}`);
      throw err;
    } finally {
      await stack.close();
    }
  }
  const baselineCpus = measured
    .filter((m) => m.scenario === baseline && m.cpu !== undefined)
    .map((m) => m.cpu ?? 0);
  const baselineCpu = baselineCpus.length
    ? baselineCpus.reduce((a, b) => a + b, 0) / baselineCpus.length
    : undefined;
  const stages = measured.map((m) =>
    stageRow(m.scenario, m.label, m.run, m.cpu, m.redisCpu, baselineCpu),
  );
  return { stages, rejections: rejectionRows };
}

function stageRow(
  scenario: Scenario,
  label: string,
  run: LoadResult,
  cpu: number | undefined,
  redisCpu: number | undefined,
  baselineCpu: number | undefined,
): StageRow {
  return {
    scenario: label,
    description: scenario.description,
    settings: {
      apiKey: scenario.apiKey,
      rbac: scenario.rbac,
      redis: scenario.redis,
      schema: scenario.schema,
      sanitize: scenario.sanitize,
      audit: true,
    },
    rps: run.rps,
    ...(cpu !== undefined ? { cpuMicrosPerCall: cpu } : {}),
    ...(cpu !== undefined && baselineCpu !== undefined
      ? { deltaCpuMicrosVsBaseline: round1(cpu - baselineCpu) }
      : {}),
    ...(redisCpu !== undefined ? { redisCpuMicrosPerCall: redisCpu } : {}),
    failed: run.failed,
    latencyMs: run.latencyMs,
  };
}
