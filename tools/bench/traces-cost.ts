/**
 * `npm run bench -- --traces-cost`: what recording and exporting spans costs the gateway. Two
 * gateways of one build run side by side on the gateway core, one with ids-only spans (the
 * default) and one exporting over OTLP/HTTP to the collector stand-in; closed-loop runs alternate
 * between them, so the host's drift falls on both. Reported as ratios per round and their median.
 */
import { runLoad } from './load.js';
import type { BenchProcess } from './processes.js';
import { median, round3 } from './stats.js';

/** One side of one round. */
export interface TracesCostSide {
  rps: number;
  cpuMicrosPerCall?: number;
  failed: number;
}

export interface TracesCostRound {
  idsOnly: TracesCostSide;
  traced: TracesCostSide;
  /** Traced CPU per call ÷ ids-only CPU per call. */
  cpuRatio?: number;
  /** Traced calls/s ÷ ids-only calls/s. */
  rpsRatio: number;
}

export interface TracesCostSummary {
  rounds: TracesCostRound[];
  medianCpuRatio?: number;
  medianRpsRatio: number;
}

/** What one gateway under test offers the measurement. */
export interface TracesCostTarget {
  url: string;
  headers: Record<string, string>;
  process: Pick<BenchProcess, 'cpuMicros'>;
}

export interface TracesCostOptions {
  idsOnly: TracesCostTarget;
  traced: TracesCostTarget;
  body: string;
  connections: number;
  warmupS: number;
  measureS: number;
  rounds: number;
  log: (message: string) => void;
}

async function side(
  target: TracesCostTarget,
  options: TracesCostOptions,
  durationS: number,
): Promise<TracesCostSide> {
  const before = target.process.cpuMicros();
  const run = await runLoad({
    url: target.url,
    body: options.body,
    headers: target.headers,
    connections: options.connections,
    durationS,
  });
  const after = target.process.cpuMicros();
  const cpu =
    before !== undefined && after !== undefined && run.ok > 0
      ? Math.round((after - before) / run.ok)
      : undefined;
  return {
    rps: run.rps,
    ...(cpu !== undefined ? { cpuMicrosPerCall: cpu } : {}),
    failed: run.failed,
  };
}

/** The ratios of one round, traced over ids-only. */
export function roundOf(idsOnly: TracesCostSide, traced: TracesCostSide): TracesCostRound {
  const cpuRatio =
    idsOnly.cpuMicrosPerCall && traced.cpuMicrosPerCall !== undefined
      ? round3(traced.cpuMicrosPerCall / idsOnly.cpuMicrosPerCall)
      : undefined;
  return {
    idsOnly,
    traced,
    ...(cpuRatio !== undefined ? { cpuRatio } : {}),
    rpsRatio: idsOnly.rps > 0 ? round3(traced.rps / idsOnly.rps) : 0,
  };
}

/** The medians over rounds (a round without a CPU reading counts only for calls/s). */
export function summarize(rounds: TracesCostRound[]): TracesCostSummary {
  const cpuRatios = rounds.flatMap((round) =>
    round.cpuRatio !== undefined ? [round.cpuRatio] : [],
  );
  return {
    rounds,
    ...(cpuRatios.length > 0 ? { medianCpuRatio: round3(median(cpuRatios)) } : {}),
    medianRpsRatio: round3(median(rounds.map((round) => round.rpsRatio))),
  };
}

/** Warms both gateways, then alternates ids-only and traced runs for `rounds` rounds. */
export async function measureTracesCost(options: TracesCostOptions): Promise<TracesCostSummary> {
  await side(options.idsOnly, options, options.warmupS);
  await side(options.traced, options, options.warmupS);
  const rounds: TracesCostRound[] = [];
  for (let i = 0; i < options.rounds; i += 1) {
    const round = roundOf(
      await side(options.idsOnly, options, options.measureS),
      await side(options.traced, options, options.measureS),
    );
    rounds.push(round);
    options.log(
      `round ${i + 1}: ids-only ${round.idsOnly.rps}/s ${round.idsOnly.cpuMicrosPerCall ?? 'n/a'} µs per call, traced ${round.traced.rps}/s ${round.traced.cpuMicrosPerCall ?? 'n/a'} µs per call; CPU ratio ${round.cpuRatio ?? 'n/a'}`,
    );
  }
  return summarize(rounds);
}
