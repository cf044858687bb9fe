import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-start-service.ts', import.meta.url));

/** Starts the fixture, sends SIGTERM once it reports the stall, and collects how it ended. */
async function signalDuringStartUp(
  stallIn: 'build' | 'create-app' | 'create-app-rejects' | 'build-late',
) {
  const child = spawn(
    process.execPath,
    ['--conditions=@mcpgw/source', '--import', 'tsx', FIXTURE],
    {
      env: { PATH: process.env['PATH'] ?? '', STALL_IN: stallIn },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => stdout.push(line));
  const stalled = new Promise<void>((resolve) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (line.startsWith('STALLED')) resolve();
    });
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await Promise.race([stalled, exited]);
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  clearTimeout(killer);
  const messages = stdout.flatMap((line) => {
    try {
      return [(JSON.parse(line) as { message?: unknown }).message];
    } catch {
      return [];
    }
  });
  return { code, signal, messages, stderr };
}

describe('a shutdown signal during start-up', () => {
  it('while the app is built: exits 0 with the held log lines written and telemetry flushed', async () => {
    const ended = await signalDuringStartUp('build');
    expect(ended.stderr).toContain('STALLED build');
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    // "building" was held for LOG_FLUSH_MS (1 s) when the signal came
    expect(ended.messages).toEqual(['building', 'shutdown started', 'shutdown complete']);
    expect(ended.stderr).toContain('TELEMETRY FLUSHED');
    expect(ended.stderr).not.toContain('RESOURCES CLOSED'); // not built yet: nothing to close
  }, 30_000);

  it('while the app is created: closes what the build opened, then flushes telemetry, never listens', async () => {
    const ended = await signalDuringStartUp('create-app');
    expect(ended.stderr).toContain('STALLED create-app');
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(ended.messages).toEqual([
      'building',
      'creating the app',
      'shutdown started',
      'shutdown complete',
    ]);
    const closed = ended.stderr.indexOf('RESOURCES CLOSED');
    expect(closed).toBeGreaterThan(-1);
    expect(ended.stderr.indexOf('TELEMETRY FLUSHED')).toBeGreaterThan(closed);
    expect(ended.messages).not.toContain('listening');
  }, 30_000);

  it('while the app is created and the step fails as its resources close: still a clean exit 0', async () => {
    const ended = await signalDuringStartUp('create-app-rejects');
    expect(ended.stderr).toContain('STALLED create-app-rejects');
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(ended.stderr.join('\n')).not.toContain('start-up failed');
    expect(ended.messages).toEqual([
      'building',
      'creating the app',
      'shutdown started',
      'shutdown complete',
    ]);
    expect(ended.stderr.filter((l) => /CLOSED|FLUSHED/.test(l))).toEqual([
      'RESOURCES CLOSED',
      'TELEMETRY FLUSHED',
    ]);
  }, 30_000);

  it('when the build finishes after the signal: closes what it opened and never creates the app', async () => {
    const ended = await signalDuringStartUp('build-late');
    expect(ended.stderr).toContain('STALLED build-late');
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(ended.messages).toEqual(['building', 'shutdown started', 'shutdown complete']);
    expect(ended.stderr).toContain('RESOURCES CLOSED');
  }, 30_000);
});
