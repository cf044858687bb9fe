import { Agent, request } from 'undici';
import type { Registry } from 'prom-client';
import { createCircuitBreaker, type Cancellation, type CircuitBreaker } from '@mcpgw/resilience';
import { injectTraceHeaders, type Logger } from '@mcpgw/telemetry';

/** A backing service answered, but not with a usable 2xx JSON body. */
export class BackendError extends Error {
  constructor(
    readonly backend: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackendError';
  }
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, headersTimeout: 10_000, bodyTimeout: 10_000 });
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * JSON GETs to one internal service (broker, collector, chat client) over a keep-alive pool, with
 * the service token, the caller's trace context, a timeout and a circuit breaker.
 */
export class BackendClient {
  private readonly breaker: CircuitBreaker<[string], unknown>;

  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    deps: { registry: Registry; logger: Logger; timeoutMs?: number },
  ) {
    this.breaker = createCircuitBreaker<[string], unknown>((call, path) => this.get(path, call.signal), {
      name: `backend:${name}`,
      timeoutMs: deps.timeoutMs ?? 5000,
      resetTimeoutMs: 5000,
      // A 4xx is the caller's problem, not a sign the backend is failing.
      isFailure: (err) => !(err instanceof BackendError && err.status !== undefined && err.status < 500),
      registry: deps.registry,
      logger: deps.logger,
    });
  }

  getJson(path: string, cancellation?: Cancellation): Promise<unknown> {
    return this.breaker.fireWithSignal(cancellation, path);
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private async get(path: string, signal: AbortSignal): Promise<unknown> {
    const headers = injectTraceHeaders<Record<string, string>>({ accept: 'application/json' });
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let response;
    try {
      response = await request(new URL(path, this.baseUrl), { method: 'GET', headers, signal, dispatcher: agent });
    } catch (err) {
      throw new BackendError(this.name, undefined, `${this.name} is unreachable`, { cause: err });
    }
    const length = Number(response.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES) {
      response.body.destroy();
      throw new BackendError(this.name, response.statusCode, `${this.name} answered with an oversized body`);
    }
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new BackendError(this.name, response.statusCode, `${this.name} answered HTTP ${response.statusCode}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new BackendError(this.name, response.statusCode, `${this.name} answered with invalid JSON`, { cause: err });
    }
  }
}
