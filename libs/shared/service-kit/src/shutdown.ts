import type { Logger } from '@mcpgw/telemetry';
import type { RunningServer } from './http-server.js';

export interface ShutdownHook {
  readonly name: string;
  run(): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Time allowed for in-flight requests to finish before their connections are cut. */
  drainTimeoutMs: number;
  /** Time allowed for each hook (flush outboxes, close stores, flush telemetry). */
  hookTimeoutMs?: number;
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown in fixed phases: mark not-ready → stop accepting and drain in-flight
 * requests → run hooks in registration order (outbox flush, store close, telemetry flush) →
 * exit 0 (1 if a hook failed). Idempotent: a second signal does not start a second shutdown.
 */
export class ShutdownCoordinator {
  private readonly hooks: ShutdownHook[] = [];
  private readonly finalHooks: ShutdownHook[] = [];
  private readonly preDrainHooks: ShutdownHook[] = [];
  private server: RunningServer | undefined;
  private pending: Promise<number> | undefined;

  constructor(private readonly options: ShutdownOptions) {}

  isShuttingDown(): boolean {
    return this.pending !== undefined;
  }

  attachServer(server: RunningServer): void {
    this.server = server;
  }

  /**
   * Runs as soon as shutdown begins, before draining: for connections that never finish on their
   * own (long-lived event streams), so the drain does not wait for its deadline.
   */
  addPreDrainHook(name: string, run: () => Promise<void>): void {
    this.preDrainHooks.push({ name, run });
  }

  /** Hooks run in the order they are added. */
  addHook(name: string, run: () => Promise<void>): void {
    this.hooks.push({ name, run });
  }

  /**
   * Runs after every {@link addHook} hook, whenever that one was added: telemetry is flushed
   * last, and it is registered before the service's own hooks exist (a signal may arrive while
   * the service is still being built).
   */
  addFinalHook(name: string, run: () => Promise<void>): void {
    this.finalHooks.push({ name, run });
  }

  /**
   * The first signal starts the shutdown; later ones (a terminal's Ctrl-C reaches every process
   * in the group, and a supervisor may forward it again) are logged and otherwise ignored, so
   * a repeated signal never cuts the drain short. Returns a function that removes the handlers.
   */
  installSignalHandlers(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.isShuttingDown()) {
        this.options.logger.info('shutdown already in progress', { signal });
        return;
      }
      void this.shutdown(signal).then((code) => (this.options.exit ?? process.exit)(code));
    };
    for (const signal of signals) process.on(signal, onSignal);
    return () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
  }

  shutdown(reason: string): Promise<number> {
    this.pending ??= this.run(reason);
    return this.pending;
  }

  private async run(reason: string): Promise<number> {
    const { logger } = this.options;
    const started = Date.now();
    logger.info('shutdown started', { reason, in_flight: this.server?.inFlight() ?? 0 });
    let code = 0;
    for (const hook of this.preDrainHooks) {
      try {
        await withDeadline(hook.run(), this.options.hookTimeoutMs ?? 5000, hook.name);
      } catch (err) {
        logger.warn('pre-drain hook failed', { hook: hook.name, err });
      }
    }
    if (this.server) {
      const { drained } = await this.server.drain(this.options.drainTimeoutMs);
      if (!drained) logger.warn('drain deadline reached, remaining connections closed');
    }
    // By index: a hook added while these run (a start-up step that finished after the signal
    // registers what it opened) still runs; one added while the final hooks run, right after them.
    let next = 0;
    const runAdded = async () => {
      for (; next < this.hooks.length; next += 1) {
        if (!(await this.runHook(this.hooks[next]))) code = 1;
      }
    };
    await runAdded();
    for (const hook of this.finalHooks) {
      if (!(await this.runHook(hook))) code = 1;
    }
    await runAdded();
    logger.info('shutdown complete', { duration_ms: Date.now() - started, exit_code: code });
    return code;
  }

  private async runHook(hook: ShutdownHook | undefined): Promise<boolean> {
    if (!hook) return true;
    try {
      await withDeadline(hook.run(), this.options.hookTimeoutMs ?? 5000, hook.name);
      return true;
    } catch (err) {
      this.options.logger.error('shutdown hook failed', { hook: hook.name, err });
      return false;
    }
  }
}

async function withDeadline(work: Promise<void>, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hook ${name} exceeded ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
