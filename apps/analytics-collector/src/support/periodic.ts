import type { Logger } from '@mcpgw/telemetry';

/**
 * Runs `task` every `intervalMs` (measured from the end of the previous run, so runs never
 * overlap). Failures are logged (the first, then every 20th in a row) and the schedule goes on.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly task: () => Promise<unknown>,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.task()
        .then(() => {
          this.failures = 0;
        })
        .catch((err: unknown) => {
          this.failures++;
          if (this.failures === 1 || this.failures % 20 === 0)
            this.logger.warn('periodic task failed', {
              task: this.name,
              failures: this.failures,
              err,
            });
        })
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
