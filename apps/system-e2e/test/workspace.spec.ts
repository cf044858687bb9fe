/**
 * Workspace-level guarantees that no single project can check: the module boundary rule really
 * rejects forbidden imports, and the project graph has every app on shared libs and no app→app
 * edge.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const APPS = [
  'gateway',
  'claude-mcp-client',
  'sentraip-oauth-broker',
  'analytics-collector',
  'sentraip-simulator',
  'sandbox-log-analysis',
];

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  // Importing an app is refused before the tag matrix is even consulted: apps are not packages
  // any project declares. The lib-to-lib cases exercise the tag matrix itself.
  it.each([
    ['a lib importing an app', 'libs/shared/state/src/probe.ts', "import { createGatewayApp } from '@mcpgw/gateway';\nexport const probe = createGatewayApp;\n", /package\.json|Imports of apps/],
    ['an app importing another app', 'apps/sentraip-simulator/src/probe.ts', "import { createBrokerApp } from '@mcpgw/sentraip-oauth-broker';\nexport const probe = createBrokerApp;\n", /package\.json|Imports of apps/],
    ['a util lib importing a data-access lib', 'libs/shared/service-kit/src/probe.ts', "import { createStateStore } from '@mcpgw/state';\nexport const probe = createStateStore;\n", /tagged with "type:util" can only depend on/],
    ['the contract lib importing infrastructure', 'libs/shared/tool-schemas/src/probe.ts', "import Redis from 'ioredis';\nexport const probe = Redis;\n", /"type:contract" is not allowed to import "ioredis"/],
    ['product code importing the test helpers', 'apps/gateway/src/probe.ts', "import { startRedisServer } from '@mcpgw/testing';\nexport const probe = startRedisServer;\n", /tagged with "type:app" can only depend on/],
  ])('fails lint for %s', async (_name, file, code, expected) => {
    const errors = await boundaryErrors(file, code);
    expect(errors.some((m) => expected.test(m)), errors.join('\n')).toBe(true);
  }, 60_000);

  it('accepts an app importing shared libs', async () => {
    const code = "import { createStateStore } from '@mcpgw/state';\nexport const probe = createStateStore;\n";
    expect(await boundaryErrors('apps/gateway/src/probe.ts', code)).toEqual([]);
  }, 60_000);
});

describe('lint configuration of every project', () => {
  it('keeps the boundary rule at error level in each project (a project config cannot switch it off)', async () => {
    const eslint = new ESLint({ cwd: root });
    const files = [
      ...APPS.map((app) => `apps/${app}/src/main.ts`),
      ...['tool-schemas', 'telemetry', 'resilience', 'state', 'service-kit', 'testing'].map((lib) => `libs/shared/${lib}/src/index.ts`),
    ];
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(path.join(root, file))) as { rules?: Record<string, unknown> };
      const rule = config.rules?.['@nx/enforce-module-boundaries'];
      const severity = Array.isArray(rule) ? rule[0] : rule;
      expect([file, severity]).toEqual([file, 2]);
    }
  }, 60_000);
});

describe('project graph', () => {
  it('puts every app on shared libs and has no app→app edge', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nx-graph-'));
    const file = path.join(dir, 'graph.json');
    try {
      execFileSync('npx', ['nx', 'graph', `--file=${file}`], {
        cwd: root,
        stdio: 'pipe',
        env: { ...process.env, NX_DAEMON: 'false' },
      });
      const { graph } = JSON.parse(readFileSync(file, 'utf8')) as {
        graph: { nodes: Record<string, { type: string; data: { tags?: string[] } }>; dependencies: Record<string, Array<{ target: string }>> };
      };
      for (const app of APPS) expect(graph.nodes[app]?.type).toBe('app');
      for (const app of APPS) {
        const targets = (graph.dependencies[app] ?? []).map((d) => d.target).filter((t) => graph.nodes[t]);
        expect(targets.some((t) => graph.nodes[t]?.data.tags?.includes('scope:shared') && graph.nodes[t]?.type === 'lib')).toBe(true);
        expect(targets.filter((t) => graph.nodes[t]?.type === 'app')).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
