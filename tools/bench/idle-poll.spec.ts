import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuResumeLatencyFile, holdCorePolling, holdIdlePolling } from './idle-poll.js';

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('holdIdlePolling', () => {
  it('writes a 0 µs latency request (a 32-bit zero) and keeps it until released', () => {
    dir = mkdtempSync(join(tmpdir(), 'idle-poll-'));
    const device = join(dir, 'cpu_dma_latency');
    writeFileSync(device, '');
    const openOn = () =>
      readdirSync('/proc/self/fd').filter((fd) => safeReadlink(`/proc/self/fd/${fd}`) === device)
        .length;
    const release = holdIdlePolling(device, { characterDevice: false });
    expect([...readFileSync(device)]).toEqual([0, 0, 0, 0]);
    expect(openOn()).toBe(1);
    release();
    expect(openOn()).toBe(0);
    release(); // a second release is harmless
  });

  it('refuses a regular file where the device should be, and never creates one', () => {
    dir = mkdtempSync(join(tmpdir(), 'idle-poll-'));
    const device = join(dir, 'cpu_dma_latency');
    writeFileSync(device, '');
    expect(() => holdIdlePolling(device)).toThrow(
      /is not a character device, so nothing would poll/,
    );
    const missing = join(dir, 'missing');
    expect(() => holdIdlePolling(missing, { characterDevice: false })).toThrow(
      /--idle-poll needs to write/,
    );
    expect(existsSync(missing)).toBe(false);
  });

  it('says what it needs when the device cannot be opened', () => {
    expect(() => holdIdlePolling('/nonexistent/cpu_dma_latency')).toThrow(
      /--idle-poll needs to write \/nonexistent\/cpu_dma_latency \(root/,
    );
  });
});

describe('holdCorePolling', () => {
  it('names the CPU device attribute of the given core', () => {
    expect(cpuResumeLatencyFile(1)).toBe(
      '/sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us',
    );
  });

  it('asks for no wake-up latency on that core and writes the previous value back once', () => {
    dir = mkdtempSync(join(tmpdir(), 'core-poll-'));
    const file = join(dir, 'pm_qos_resume_latency_us');
    writeFileSync(file, '0\n');
    const exitListeners = process.listenerCount('exit');
    const termListeners = process.listenerCount('SIGTERM');
    const release = holdCorePolling(1, file);
    expect(readFileSync(file, 'utf8')).toBe('n/a');
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    expect(process.listenerCount('SIGTERM')).toBe(termListeners + 1);
    release();
    expect(readFileSync(file, 'utf8')).toBe('0');
    expect(process.listenerCount('exit')).toBe(exitListeners);
    expect(process.listenerCount('SIGTERM')).toBe(termListeners);
    writeFileSync(file, '20');
    release(); // a second release writes nothing
    expect(readFileSync(file, 'utf8')).toBe('20');
  });

  it('says what it needs when the attribute cannot be read or written', () => {
    expect(() => holdCorePolling(1, '/nonexistent/pm_qos_resume_latency_us')).toThrow(
      /--loader-poll needs to write \/nonexistent\/pm_qos_resume_latency_us \(root/,
    );
  });
});
