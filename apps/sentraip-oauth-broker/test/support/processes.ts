import http from 'node:http';
import { fileURLToPath } from 'node:url';
import axios, { type AxiosInstance } from 'axios';
import { expect } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '@mcpgw/testing';

export const BROKER_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const SIMULATOR_DIR = fileURLToPath(new URL('../../../sentraip-simulator', import.meta.url));

export const CLIENT_ID = 'broker-test-client';
export const CLIENT_SECRET = 'Zq8v1-broker-test-secret-5f2c';
export const SERVICE_TOKEN = 'svc-broker-test-token-0123456789';

/** Starts the SentraIP simulator process (port 0 unless `port` is given, e.g. to restart it in place). */
export function startSimulator(
  env: Record<string, string> = {},
  port = 0,
): Promise<ServiceProcess> {
  return startServiceProcess({
    appDir: SIMULATOR_DIR,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      SENTRAIP_CLIENT_ID: CLIENT_ID,
      SENTRAIP_CLIENT_SECRET: CLIENT_SECRET,
      ...env,
    },
  });
}

/** Starts a broker process against `sentraipUrl`; pass REDIS_URL in `env` for the shared store. */
export function startBroker(
  sentraipUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  return startServiceProcess({
    appDir: BROKER_DIR,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      SENTRAIP_BASE_URL: sentraipUrl,
      SENTRAIP_CLIENT_ID: CLIENT_ID,
      SENTRAIP_CLIENT_SECRET: CLIENT_SECRET,
      BROKER_SERVICE_TOKEN: SERVICE_TOKEN,
      ...env,
    },
  });
}

/** One broker answer as a test sees it. */
export interface LookupAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | undefined>;
  ms: number;
}

/**
 * An HTTP client for the broker's API over a bounded keep-alive pool: thousands of "concurrent"
 * lookups queue on `maxSockets` connections instead of opening thousands of sockets.
 */
export class BrokerClient {
  private readonly agent: http.Agent;
  private readonly client: AxiosInstance;

  constructor(baseUrl: string, maxSockets = 64, token = SERVICE_TOKEN) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
    this.client = axios.create({
      baseURL: baseUrl,
      httpAgent: this.agent,
      proxy: false,
      validateStatus: () => true,
      timeout: 30_000,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<LookupAnswer> {
    const started = performance.now();
    const response = await this.client.get(path, { headers });
    return {
      status: response.status,
      body: (response.data ?? {}) as Record<string, unknown>,
      headers: Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : undefined,
        ]),
      ),
      ms: performance.now() - started,
    };
  }

  lookup(
    type: string,
    target: string,
    headers: Record<string, string> = {},
  ): Promise<LookupAnswer> {
    return this.get(`/v1/threat/${type}/${encodeURIComponent(target)}`, headers);
  }

  async batch(body: unknown): Promise<LookupAnswer> {
    const started = performance.now();
    const response = await this.client.post('/v1/threat/batch', body);
    return {
      status: response.status,
      body: (response.data ?? {}) as Record<string, unknown>,
      headers: {},
      ms: performance.now() - started,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `GET /_sim/stats` of the simulator. */
export async function simStats(
  simUrl: string,
): Promise<{ tokens_issued: number; lookups: number }> {
  return (await (await fetch(`${simUrl}/_sim/stats`)).json()) as {
    tokens_issued: number;
    lookups: number;
  };
}

/** `POST /_sim/faults`. */
export async function setSimFaults(simUrl: string, faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${simUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (response.status !== 200) throw new Error(`setting faults failed: ${response.status}`);
}

/** The `/metrics` text of a service. */
export async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** Sum of the samples of `name` whose labels include `labels`, from Prometheus text. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[3] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`)))
      sum += Number(match[4]);
  }
  return sum;
}

/** Token requests the simulator received (any outcome), from its metrics. */
export async function simTokenRequests(simUrl: string): Promise<number> {
  return sampleSum(await metricsText(simUrl), 'sentraip_sim_token_requests_total');
}

/**
 * The leak check: no captured text contains the client secret, the Basic credentials, or any
 * access token the simulator issues (all start with `sim_at_`) or the ones passed in `tokens`.
 */
export function expectNoSecrets(texts: readonly string[], tokens: readonly string[] = []): void {
  const basic = Buffer.from(
    `${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`,
  ).toString('base64');
  const needles = [CLIENT_SECRET, basic, 'sim_at_', ...tokens.filter((t) => t.length > 0)];
  for (const text of texts) {
    for (const needle of needles)
      expect(
        text.includes(needle),
        `found a secret (${needle.slice(0, 6)}…) in captured output`,
      ).toBe(false);
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true, for at most `timeoutMs`; the error
 * names `what` was awaited.
 */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 100,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
}
