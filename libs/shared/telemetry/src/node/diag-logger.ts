import type { DiagLogger } from '@opentelemetry/api';

/** The part of a logger the telemetry bootstrap needs (a winston `Logger` fits). */
export interface TelemetryWarnLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface ThrottledDiagLoggerOptions {
  /** Repeats of one diagnostic within this window are counted, not logged (default 60 s). */
  intervalMs?: number;
  now?: () => number;
}

const MAX_TRACKED = 256;

/**
 * Adapts OpenTelemetry's `diag` channel to our logger. Every diagnostic (an unreachable
 * collector reports one per failed batch) becomes one `warn` line, and repeats of the same
 * message are folded into a `suppressed` count so a collector that is down cannot flood logs.
 */
export function createThrottledDiagLogger(
  logger: TelemetryWarnLogger,
  options: ThrottledDiagLoggerOptions = {},
): DiagLogger {
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, { last: number; suppressed: number }>();

  const emit =
    (diagLevel: string) =>
    (message: string, ...args: unknown[]) => {
      const at = now();
      const entry = seen.get(message);
      if (entry && at - entry.last < intervalMs) {
        entry.suppressed += 1;
        return;
      }
      if (!entry && seen.size >= MAX_TRACKED) seen.clear();
      const suppressed = entry?.suppressed ?? 0;
      seen.set(message, { last: at, suppressed: 0 });
      const meta: Record<string, unknown> = { diag_level: diagLevel, detail: args };
      if (suppressed > 0) meta['suppressed'] = suppressed;
      logger.warn(`opentelemetry: ${message}`, meta);
    };

  return {
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    verbose: emit('verbose'),
  };
}
