import { ConfigError } from './config.js';

/**
 * Runs a service's start-up. A {@link ConfigError} prints every problem and exits 1 before
 * any port opens; any other start-up failure prints its message (no stack) and exits 1.
 */
export async function runMain(service: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
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
