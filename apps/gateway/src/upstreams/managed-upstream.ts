import type { UpstreamConfig } from '../gateway-config/schema.js';
import { UpstreamConnection, type CallOptions, type UpstreamDeps } from './upstream-connection.js';

/** `active`: routed to; `draining`: no new calls, in-flight ones finishing; `drained`: closed. */
export type UpstreamState = 'active' | 'draining' | 'drained';

/** Whether the upstream comes from the YAML file or from the admin API (the overlay). */
export type UpstreamSource = 'file' | 'runtime';

/**
 * An upstream connection the registry can drain: it counts requests in flight so a drain can
 * wait for them before it closes the connection. Routing away from a draining upstream is the
 * catalogue's job (its tools leave the listing, so new calls are answered like an unknown tool).
 */
export class ManagedUpstream extends UpstreamConnection {
  private inFlightCount = 0;
  private idle: Array<() => void> = [];
  private currentState: UpstreamState = 'active';
  private draining: Promise<void> | undefined;

  constructor(
    config: UpstreamConfig,
    deps: UpstreamDeps,
    readonly source: UpstreamSource,
    /** Called each time the last request in flight settles. */
    private readonly onIdle?: () => void,
  ) {
    super(config, deps);
  }

  get state(): UpstreamState {
    return this.currentState;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  override request(method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<Record<string, unknown>> {
    this.inFlightCount += 1;
    let pending: Promise<Record<string, unknown>>;
    try {
      pending = super.request(method, params, options);
    } catch (err) {
      this.settled();
      throw err;
    }
    return pending.finally(() => this.settled());
  }

  /**
   * Stops taking new work: resolves once every request in flight has settled (each is bounded by
   * the upstream's maxDurationMs) and the connection is closed. Idempotent.
   */
  drain(): Promise<void> {
    if (this.currentState === 'active') this.currentState = 'draining';
    this.draining ??= this.whenIdle()
      .then(() => this.disconnect())
      .then(() => {
        if (this.currentState === 'draining') this.currentState = 'drained';
      })
      .finally(() => {
        this.draining = undefined;
      });
    return this.draining;
  }

  /** Takes new work again; the connection is re-established by the next request. */
  undrain(): void {
    this.currentState = 'active';
  }

  private whenIdle(): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private settled(): void {
    this.inFlightCount -= 1;
    if (this.inFlightCount > 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
    this.onIdle?.();
  }
}
