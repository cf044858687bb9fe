import type { AuditEvent } from '@mcpgw/tool-schemas';

export const SERVICE_TOKEN = 'collector-test-token-0123456789';
export const GATEWAY_TOKEN = 'gateway-test-token-0123456789';

/** A small typed client of one collector. */
export function collectorClient(baseUrl: string, token = SERVICE_TOKEN) {
  const auth = { authorization: `Bearer ${token}` };
  const getJson = async (
    path: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${baseUrl}${path}`, { headers: auth });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    async postEvents(
      events: unknown[] | unknown,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(`${baseUrl}/v1/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(Array.isArray(events) ? { events } : events),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    getJson,
    analytics: (apiId: string, range = '24h') =>
      getJson(`/v1/analytics?api_id=${encodeURIComponent(apiId)}&time_range=${range}`),
    audit: (query = '') => getJson(`/v1/audit${query ? `?${query}` : ''}`),
    incidents: (query = '') => getJson(`/v1/incidents${query ? `?${query}` : ''}`),
    deadLetters: () => getJson('/v1/deadletters'),
    metrics: async (): Promise<string> => (await fetch(`${baseUrl}/metrics`)).text(),
    /** Waits (bounded) until `/v1/analytics` counts exactly `total` requests of `apiId`. */
    waitForTotal: (apiId: string, total: number, timeoutMs: number) =>
      waitFor(
        async () =>
          (await getJson(`/v1/analytics?api_id=${encodeURIComponent(apiId)}&time_range=24h`)).body[
            'total_requests'
          ] === total
            ? true
            : undefined,
        timeoutMs,
        100,
      ),
    /** Waits (bounded) until `GET /ready` answers 200. */
    waitReady: (timeoutMs = 15_000) =>
      waitFor(
        async () => ((await fetch(`${baseUrl}/ready`)).status === 200 ? true : undefined),
        timeoutMs,
        100,
      ),
  };
}

export type CollectorClient = ReturnType<typeof collectorClient>;

/** Polls `probe` every `intervalMs` until it returns a value other than undefined (bounded). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/** Value of one sample of a Prometheus text exposition, or undefined. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      return Number(match[3]);
  }
  return undefined;
}

export type { AuditEvent };
