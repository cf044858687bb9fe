import type { ReadinessCheck } from './health.js';

/**
 * A dependency reached over HTTP counts as reachable when it answers at all (any status):
 * readiness is about the network path, not about that service's own health.
 */
export function httpReachable(name: string, url: string, options: { optional?: boolean } = {}): ReadinessCheck {
  return {
    name,
    optional: options.optional,
    async check(signal) {
      const response = await fetch(url, { method: 'GET', signal, redirect: 'manual' });
      await response.body?.cancel();
    },
  };
}
