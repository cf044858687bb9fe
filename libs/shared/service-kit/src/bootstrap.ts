import { ConfigError } from './config.js';
import { StartupInterrupted } from './startup-interrupted.js';

/**
 * Runs a service's start-up. A {@link ConfigError} prints every problem and exits 1 before
 * any port opens; any other start-up failure prints its message (no stack) and exits 1. A
 * shutdown signal during start-up is no failure: its coordinator ends the process.
 */
export async function runMain(service: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (err instanceof StartupInterrupted) return;
    const message =
      err instanceof ConfigError
        ? err.message
        : `start-up failed: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`${JSON.stringify({ level: 'error', service, message })}\n`);
    process.exit(1);
  }
}

/** Logs fatal process-level errors through `log` and exits; a service must not limp on. */
export function installCrashHandlers(log: (message: string, err: unknown) => void): void {
  process.on('uncaughtException', (err) => {
    log('uncaught exception', err);
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log('unhandled rejection', err);
    process.exit(1);
  });
}
