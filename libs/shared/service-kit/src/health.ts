import type { Express, Request, Response } from 'express';
import type { Registry } from 'prom-client';

/** A dependency the service needs to do useful work; `/ready` fails while any check fails. */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or exceeds the timeout) otherwise. */
  check(signal: AbortSignal): Promise<void>;
  /** An optional check reports its state but does not make the service unready. */
  readonly optional?: boolean;
}

export interface HealthOptions {
  service: string;
  version: string;
  registry: Registry;
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs?: number;
  /** Returns true once shutdown began, so load balancers stop routing here. */
  isShuttingDown: () => boolean;
}

/**
 * A failed check is reported by a short code (`ECONNREFUSED`, `STORE_UNAVAILABLE`, `timeout`),
 * never by its message: `/ready` is unauthenticated and messages can carry paths or hosts.
 */
function failureCode(err: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'failed';
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'timeout' }));
    }, timeoutMs);
  });
  try {
    await Promise.race([check.check(controller.signal), timeout]);
    return 'ok';
  } catch (err) {
    return failureCode(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Mounts `GET /health` (process alive), `GET /ready` (dependencies) and `GET /metrics`. */
export function mountHealthRoutes(app: Express, options: HealthOptions): void {
  const started = Date.now();
  const timeoutMs = options.readinessTimeoutMs ?? 2000;

  app.get('/health', (_req: Request, res: Response) => {
    res.json({
      status: 'ok',
      service: options.service,
      version: options.version,
      uptime_s: Math.round((Date.now() - started) / 1000),
    });
  });

  app.get('/ready', async (_req: Request, res: Response) => {
    if (options.isShuttingDown()) {
      res.status(503).json({ status: 'shutting_down', service: options.service, checks: {} });
      return;
    }
    const results = await Promise.all(options.readiness.map((c) => runCheck(c, timeoutMs)));
    const checks = Object.fromEntries(options.readiness.map((c, i) => [c.name, results[i]]));
    const ready = options.readiness.every((c, i) => c.optional || results[i] === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', service: options.service, checks });
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    res.setHeader('Content-Type', options.registry.contentType);
    res.send(await options.registry.metrics());
  });
}
