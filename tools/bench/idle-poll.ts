/**
 * `--idle-poll`: keeps the machine's idle cores polling instead of halting while the benchmark runs.
 *
 * A process that holds `/dev/cpu_dma_latency` open with the value 0 asks the kernel for a CPU
 * wake-up latency of 0 µs (PM QoS); the haltpoll governor these VMs run then picks its polling
 * state and never halts the core, until the file is closed (also when the process dies). These
 * VMs boot with `haltpoll.guest_halt_poll_ns=0`: otherwise the governor halts an idle vCPU at once,
 * for any other value than 0, and a halted vCPU costs the next wake-up (an interrupt through the
 * hypervisor) and its waker (the IPI): see docs/benchmarks.md, run 23.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';

export const CPU_DMA_LATENCY = '/dev/cpu_dma_latency';

/**
 * Holds a 0 µs wake-up latency request; returns its release. Throws when the device cannot be
 * opened (root only) or is not a character device (a container's `/dev` without it, or a file
 * with its name: nothing would poll). `characterDevice: false` is for tests on a regular file.
 */
export function holdIdlePolling(
  device = CPU_DMA_LATENCY,
  options: { characterDevice?: boolean } = {},
): () => void {
  let fd: number;
  try {
    // No O_CREAT: where the device is missing, creating a file of that name would poll nothing.
    fd = openSync(device, constants.O_WRONLY);
  } catch (err) {
    throw new Error(
      `--idle-poll needs to write ${device} (root, and a kernel with PM QoS): ${(err as Error).message}`,
    );
  }
  if ((options.characterDevice ?? true) && !fstatSync(fd).isCharacterDevice()) {
    closeSync(fd);
    throw new Error(`--idle-poll: ${device} is not a character device, so nothing would poll`);
  }
  // The kernel reads exactly a binary 32-bit value (anything else as a hex string).
  writeSync(fd, Buffer.alloc(4));
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    closeSync(fd);
  };
}

/** A CPU's own wake-up latency limit (PM QoS on the CPU device; "0" reads as no limit). */
export const cpuResumeLatencyFile = (cpu: number, sysfsCpuRoot = '/sys/devices/system/cpu') =>
  `${sysfsCpuRoot}/cpu${cpu}/power/pm_qos_resume_latency_us`;

/**
 * `--loader-poll`: only `cpu` (the load generator's core) polls while idle; the gateway's core keeps
 * the machine's policy. Writing "n/a" to the CPU's `pm_qos_resume_latency_us` asks for a 0 µs
 * wake-up latency on that CPU alone, which the haltpoll governor answers with its polling state
 * (cpuidle_governor_latency_req). Unlike the device file, this setting outlives the process, so the
 * release writes the previous value back, and so do the process's exit and SIGINT/SIGTERM/SIGHUP. Throws when the file
 * cannot be read or written (root only; a kernel without per-CPU PM QoS).
 */
export function holdCorePolling(cpu: number, file = cpuResumeLatencyFile(cpu)): () => void {
  let previous: string;
  try {
    previous = readFileSync(file, 'utf8').trim();
    writeFileSync(file, 'n/a');
  } catch (err) {
    throw new Error(
      `--loader-poll needs to write ${file} (root, and a kernel with per-CPU PM QoS): ${(err as Error).message}`,
    );
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    for (const signal of SIGNALS) process.off(signal, onSignal);
    writeFileSync(file, previous);
  };
  // A signal ends the process without 'exit': restore, then die of the same signal.
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    process.kill(process.pid, signal);
  };
  process.once('exit', release);
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return release;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
