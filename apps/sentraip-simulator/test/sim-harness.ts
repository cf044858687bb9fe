import { Writable } from 'node:stream';
import { listen, type RunningServer } from '@mcpgw/service-kit';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { createSimulatorApp } from '../src/app.js';
import { readSimulatorConfig } from '../src/config.js';

export const CLIENT_ID = 'sim-test-client';
export const CLIENT_SECRET = 'sim-test-secret-value';

export interface InProcessSimulator {
  readonly url: string;
  readonly running: RunningServer;
  close(): Promise<void>;
}

/** The simulator app from `createSimulatorApp`, on 127.0.0.1:0, with `env` on top of test credentials. */
export async function startInProcessSimulator(
  env: Record<string, string> = {},
  random?: () => number,
): Promise<InProcessSimulator> {
  const config = readSimulatorConfig({
    SENTRAIP_CLIENT_ID: CLIENT_ID,
    SENTRAIP_CLIENT_SECRET: CLIENT_SECRET,
    LOG_LEVEL: 'error',
    ...env,
  });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const logger = createLogger({ service: 'sentraip-simulator', level: 'error', stream: sink });
  const registry = createMetricsRegistry({
    service: 'sentraip-simulator',
    collectDefaultMetrics: false,
  });
  const app = createSimulatorApp({ config, logger, registry, isShuttingDown: () => false, random });
  const running = await listen(app, { host: '127.0.0.1', port: 0 });
  return { url: running.url, running, close: async () => void (await running.drain(1000)) };
}

/** `Authorization: Basic` for the given client, form-urlencoded first as RFC 6749 §2.3.1 asks. */
export function basicAuth(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Requests a token and returns the parsed body (throws on a non-200). */
export async function fetchToken(
  url: string,
): Promise<{ access_token: string; expires_in: number }> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=threat-intelligence',
  });
  if (response.status !== 200) throw new Error(`token request failed with ${response.status}`);
  return (await response.json()) as { access_token: string; expires_in: number };
}
