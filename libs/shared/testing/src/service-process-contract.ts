import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServiceToExit, startServiceProcess, type ServiceProcess } from './service-process.js';

export interface ServiceProcessContract {
  /** The service name it logs as. */
  service: string;
  appDir: string;
  /** Environment for a good start (PORT is forced to 0). */
  env: Record<string, string>;
  /** Each entry must stop the service before it listens, with a message naming `variable`. */
  badConfig: ReadonlyArray<{ variable: string; value: string }>;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/**
 * The behaviour every app shares, checked against the real process: it starts from validated
 * config, answers health/ready/metrics, logs JSON lines with trace ids, answers unknown routes
 * with the error envelope, exits 0 on SIGTERM, and refuses bad config before listening.
 */
export function describeServiceProcessContract(contract: ServiceProcessContract): void {
  describe(`${contract.service} process`, () => {
    let proc: ServiceProcess;

    beforeAll(async () => {
      proc = await startServiceProcess({ appDir: contract.appDir, env: { ...contract.env, PORT: '0' } });
    });
    afterAll(async () => {
      await proc?.stop('SIGKILL');
    });

    it('answers /health, /ready and /metrics', async () => {
      const health = await fetch(`${proc.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', service: contract.service });
      const ready = await fetch(`${proc.url}/ready`);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
      expect(ready.status).toBe(200);
      const metrics = await fetch(`${proc.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/http_requests_total\{[^}]*route="\/health"/);
    });

    it('answers an unknown route with the error envelope and logs it with the caller trace id', async () => {
      const response = await fetch(`${proc.url}/no-such-route`, {
        headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, 'x-request-id': 'contract-req-1' },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('x-request-id')).toBe('contract-req-1');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: 'NOT_FOUND', trace_id: TRACE_ID });
      expect(typeof body['timestamp']).toBe('string');
      await expect
        .poll(() => proc.logRecords().find((r) => r['request_id'] === 'contract-req-1'))
        .toMatchObject({ service: contract.service, trace_id: TRACE_ID, status: 404, level: 'info' });
    });

    it('drains and exits 0 on SIGTERM', async () => {
      const exit = await proc.stop('SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(proc.logRecords().some((r) => r['message'] === 'shutdown complete')).toBe(true);
    });
  });

  describe(`${contract.service} configuration`, () => {
    for (const { variable, value } of contract.badConfig) {
      it(`exits non-zero before listening when ${variable} is invalid`, async () => {
        const result = await runServiceToExit({
          appDir: contract.appDir,
          env: { ...contract.env, PORT: '0', [variable]: value },
        });
        expect(result.code).toBe(1);
        expect(result.output).toContain(`invalid env var ${variable}=`);
        expect(result.output).not.toContain('"listening"');
        if (/SECRET|TOKEN|PASSWORD|API_KEY|ADMIN_KEY/.test(variable)) {
          expect(result.output).toContain(`invalid env var ${variable}=***`);
          expect(result.output).not.toContain(value);
        }
      });
    }
  });
}
