import type { Logger } from '@mcpgw/telemetry';

/**
 * Logs a repeated condition (store down, breaker open) once per `intervalMs` per key, with the
 * number of suppressed repeats, so an outage does not turn into a line per request.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, message: string, meta: Record<string, unknown> = {}): void {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn(message, seen?.suppressed ? { ...meta, suppressed: seen.suppressed } : meta);
  }
}
