/**
 * `--idle-poll`: keeps the machine's idle cores polling instead of halting while the benchmark runs.
 *
 * A process that holds `/dev/cpu_dma_latency` open with the value 0 asks the kernel for a CPU
 * wake-up latency of 0 µs (PM QoS); the cpuidle governor then picks the polling state and never
 * halts the core, until the file is closed (also when the process dies). This is what tuned's
 * `latency-performance` profile does. On these VMs the kernel's idle driver otherwise halts a vCPU
 * at once (`haltpoll.guest_halt_poll_ns=0`), and a halted vCPU costs the next wake-up (an interrupt
 * through the hypervisor) and its waker (the IPI): see docs/benchmarks.md, run 23.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export const CPU_DMA_LATENCY = '/dev/cpu_dma_latency';

/** Holds a 0 µs wake-up latency request; returns its release. Throws when the device cannot be opened (root only). */
export function holdIdlePolling(device = CPU_DMA_LATENCY): () => void {
  let fd: number;
  try {
    fd = openSync(device, 'w');
  } catch (err) {
    throw new Error(
      `--idle-poll needs to write ${device} (root, and a kernel with PM QoS): ${(err as Error).message}`,
    );
  }
  const zero = Buffer.alloc(4);
  writeSync(fd, zero);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    closeSync(fd);
  };
}
