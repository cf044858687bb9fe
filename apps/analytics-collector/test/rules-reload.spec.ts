import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServiceToExit } from '@mcpgw/testing';
import { collectorClient, metricValue, waitFor, type CollectorClient } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';
import { APP_DIR, collectorEnv, rulesDir } from './support/processes.js';

const ruleFile = (id: string, minScore: number) => `
rules:
  - id: ${id}
    when: { field: threat_score, gte: ${minScore} }
`;

describe('rules hot reload', () => {
  let dir: Awaited<ReturnType<typeof rulesDir>>;
  let running: InProcessCollector;
  let client: CollectorClient;

  beforeAll(async () => {
    dir = await rulesDir();
    await dir.write(ruleFile('threat-9', 9));
    running = await startInProcessCollector({
      COLLECTOR_CONFIG: dir.file,
      COLLECTOR_RULES_POLL_MS: '100',
    });
    client = collectorClient(running.url);
  });
  afterAll(async () => {
    await running?.stop();
    await dir?.cleanup();
  });

  const activeRules = async () => (await client.getJson('/v1/rules')).body;
  const incidentsOf = async (rule: string) =>
    (await client.incidents(`rule=${rule}`)).body['incidents'] as unknown[];

  it('applies a changed file without a restart', async () => {
    expect((await activeRules())['rules']).toEqual([
      { id: 'threat-9', priority: 0, severity: 'medium', windowed: false },
    ]);
    await client.postEvents([makeEvent({ threat_score: 8.5, client_ip: '192.0.2.10' })]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await incidentsOf('threat-9')).toHaveLength(0);

    await dir.write(ruleFile('threat-8', 8));
    await waitFor(
      async () =>
        ((await activeRules())['rules'] as Array<{ id: string }>)[0]?.id === 'threat-8' ||
        undefined,
      10_000,
    );
    await client.postEvents([makeEvent({ threat_score: 8.5, client_ip: '192.0.2.11' })]);
    await waitFor(
      async () => ((await incidentsOf('threat-8')).length === 1 ? true : undefined),
      10_000,
    );
  });

  it('keeps the last good rules when a reload is invalid, and says why', async () => {
    const before = await activeRules();
    await dir.write('rules:\n  - id: broken\n    when: { field: threat_score, gte: "high" }\n');
    await waitFor(
      async () => ((await activeRules())['last_reload_error'] !== null ? true : undefined),
      10_000,
    );
    const after = await activeRules();
    expect(after['version']).toBe(before['version']);
    expect(after['rules']).toEqual(before['rules']);
    expect(after['last_reload_error']).toEqual(['rules[0].when.gte: must be a number']);
    const logged = running.logs.find(
      (r) => r['message'] === 'rules reload failed; keeping the last good rules',
    );
    expect(logged?.['problems']).toEqual(['rules[0].when.gte: must be a number']);
    expect(metricValue(await client.metrics(), 'rules_reloads_total', { outcome: 'invalid' })).toBe(
      1,
    );
    // Still enforcing the last good rule.
    await client.postEvents([makeEvent({ threat_score: 8.1, client_ip: '192.0.2.12' })]);
    await waitFor(
      async () => ((await incidentsOf('threat-8')).length === 2 ? true : undefined),
      10_000,
    );

    await dir.write(ruleFile('threat-7', 7));
    await waitFor(
      async () => ((await activeRules())['last_reload_error'] === null ? true : undefined),
      10_000,
    );
    expect(((await activeRules())['rules'] as Array<{ id: string }>)[0]?.id).toBe('threat-7');
  });
});

describe('rules file at start-up', () => {
  it('stops the process before it listens, naming every problem and no secret', async () => {
    const dir = await rulesDir();
    try {
      await dir.write(`
webhooks:
  - { id: soc, url: "http://127.0.0.1:1/x", secret: "start-up-secret-987654321" }
rules:
  - id: a
    when: { field: nope, eq: 1 }
    actions: { webhooks: [missing] }
  - id: b
    window: { seconds: 60, count: { gt: 1 } }
    when: { field: status, gte: 500 }
    cooldown_seconds: 0
`);
      const result = await runServiceToExit({
        appDir: APP_DIR,
        env: collectorEnv({ COLLECTOR_CONFIG: dir.file }),
      });
      expect(result.code).toBe(1);
      expect(result.output).toContain('invalid rules file');
      expect(result.output).toContain('rules[0].when.field: must be one of');
      expect(result.output).toContain(
        'rules[1].cooldown_seconds: must be greater than or equal to 1',
      );
      expect(result.output).not.toContain('"listening"');
      expect(result.output).not.toContain('start-up-secret-987654321');
      const missing = await runServiceToExit({
        appDir: APP_DIR,
        env: collectorEnv({ COLLECTOR_CONFIG: `${dir.file}.missing` }),
      });
      expect(missing.code).toBe(1);
      expect(missing.output).toContain('cannot read the file (ENOENT)');
    } finally {
      await dir.cleanup();
    }
  }, 60_000);
});
