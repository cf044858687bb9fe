/**
 * Time a virtual machine's CPU was ready to run but the host ran something else ("steal", the
 * eighth column of a `cpuN` line in /proc/stat, in clock ticks). On a shared host it comes in
 * slices of milliseconds: every request that arrives during one waits for it, so a run's p99 says
 * little without it. Linux only; elsewhere every reading is `undefined`.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks since boot of one CPU: everything (`total`) and stolen (`steal`). */
export interface CpuTicks {
  total: number;
  steal: number;
}

/** The ticks of `cpu` in a /proc/stat text, or `undefined` when its line is missing or malformed. */
export function parseCpuTicks(procStat: string, cpu: number): CpuTicks | undefined {
  const prefix = `cpu${cpu} `;
  const line = procStat.split('\n').find((l) => l.startsWith(prefix));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
  const fields = line.slice(prefix.length).trim().split(/\s+/).slice(0, 8).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n) || n < 0)) return undefined;
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] as number };
}

/** Steal as a percentage of all of `cpu`'s time between two readings (one decimal). */
export function stealPercent(before: CpuTicks, after: CpuTicks): number | undefined {
  const total = after.total - before.total;
  const steal = after.steal - before.steal;
  if (total <= 0 || steal < 0) return undefined;
  return Math.round((steal / total) * 1000) / 10;
}

function readCpuTicks(cpu: number): CpuTicks | undefined {
  try {
    return parseCpuTicks(readFileSync('/proc/stat', 'utf8'), cpu);
  } catch {
    return undefined;
  }
}

/** Starts measuring the steal of each of `cpus`; `stop()` gives the percentage per CPU over the interval. */
export function startStealMeter(cpus: readonly number[]): {
  stop(): Record<string, number> | undefined;
} {
  const start = cpus.map((cpu) => readCpuTicks(cpu));
  return {
    stop() {
      const result: Record<string, number> = {};
      cpus.forEach((cpu, i) => {
        const before = start[i];
        const after = readCpuTicks(cpu);
        const percent = before && after ? stealPercent(before, after) : undefined;
        if (percent !== undefined) result[`cpu${cpu}`] = percent;
      });
      return Object.keys(result).length ? result : undefined;
    },
  };
}
