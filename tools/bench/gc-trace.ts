/**
 * What V8's `--trace-gc` printed during one run of the gateway: how many scavenges and full
 * collections, and the longest pauses. A full collection during a fixed-rate run holds every call
 * that arrives meanwhile, so it decides that run's p99; the summary says whether one happened.
 */

/** A scavenge or full collection line, with its main-thread pause: `... ms: Scavenge 118.7 (205.7) -> 119.6 (205.7) MB, 2.79 / 0.25 ms ...`. */
export const GC_EVENT =
  /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: (Scavenge|Mark-Compact)(?: \(reduce\))?\b.*?MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;
/** Incremental marking before a full collection: `(+ 40.2 ms in 66 steps since start of marking, biggest step 24.3 ms, walltime since start of marking 70 ms)`. */
const MARKING =
  /\(\+ ([\d.]+) ms in \d+ steps since start of marking(?:, biggest step ([\d.]+) ms)?/;

export interface GcSummary {
  scavenges: number;
  longestScavengeMs: number;
  /** Sum of the scavenges' pauses. */
  scavengeMs: number;
  markCompacts: number;
  /** The longest pause of a full collection: its final atomic pause or its biggest marking step. */
  longestMarkCompactMs: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function summarizeGc(lines: readonly string[]): GcSummary {
  const summary: GcSummary = {
    scavenges: 0,
    longestScavengeMs: 0,
    scavengeMs: 0,
    markCompacts: 0,
    longestMarkCompactMs: 0,
  };
  for (const line of lines) {
    const match = GC_EVENT.exec(line);
    if (!match) continue;
    const pause = Number(match[2]);
    if (match[1] === 'Scavenge') {
      summary.scavenges += 1;
      summary.scavengeMs += pause;
      summary.longestScavengeMs = Math.max(summary.longestScavengeMs, pause);
    } else {
      const biggestStep = Number(MARKING.exec(line)?.[2] ?? 0);
      summary.markCompacts += 1;
      summary.longestMarkCompactMs = Math.max(summary.longestMarkCompactMs, pause, biggestStep);
    }
  }
  summary.longestScavengeMs = round2(summary.longestScavengeMs);
  summary.scavengeMs = round2(summary.scavengeMs);
  summary.longestMarkCompactMs = round2(summary.longestMarkCompactMs);
  return summary;
}
