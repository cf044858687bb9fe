import type { Registry } from 'prom-client';
import type { Logger } from '@mcpgw/telemetry';
import type { GatewayFileConfig } from '../gateway-config/schema.js';
import { UpstreamConnection, type UpstreamDeps } from './upstream-connection.js';

/**
 * All configured upstreams of one gateway process. Bounds the number of running stdio children
 * (reaping the least recently used idle one when a new one must start) and stops idle ones.
 */
export class UpstreamRegistry {
  private readonly upstreams = new Map<string, UpstreamConnection>();
  private readonly running = new Set<string>();
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly config: GatewayFileConfig,
    deps: { logger: Logger; registry: Registry; clientVersion: string; onListChanged: (id: string) => void },
  ) {
    const upstreamDeps: UpstreamDeps = {
      ...deps,
      onProcessStateChange: (id, isRunning) => {
        if (isRunning) this.running.add(id);
        else this.running.delete(id);
      },
    };
    for (const upstream of config.upstreams) this.upstreams.set(upstream.id, new UpstreamConnection(upstream, upstreamDeps));
    this.reaper = setInterval(() => void this.reapIdle(), 5000);
    this.reaper.unref();
  }

  all(): UpstreamConnection[] {
    return [...this.upstreams.values()];
  }

  get(id: string): UpstreamConnection | undefined {
    return this.upstreams.get(id);
  }

  /** Makes room for a stdio child about to start: at the limit, the least recently used idle child stops. */
  async admit(upstream: UpstreamConnection): Promise<boolean> {
    if (upstream.config.transport !== 'stdio' || upstream.connected) return true;
    if (this.running.size < this.config.maxStdioProcesses) return true;
    const candidates = [...this.running]
      .map((id) => this.upstreams.get(id))
      .filter((u): u is UpstreamConnection => u !== undefined)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    const victim = candidates[0];
    if (!victim) return false;
    await victim.disconnect();
    this.running.delete(victim.id);
    return true;
  }

  /** Stops stdio children that have been idle longer than their `idleTimeoutMs`. */
  async reapIdle(now = Date.now()): Promise<void> {
    for (const id of [...this.running]) {
      const upstream = this.upstreams.get(id);
      if (upstream && now - upstream.lastUsedAt > upstream.config.idleTimeoutMs) {
        await upstream.disconnect();
        this.running.delete(id);
      }
    }
  }

  runningProcesses(): number {
    return this.running.size;
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all(this.all().map((u) => u.close()));
  }
}
