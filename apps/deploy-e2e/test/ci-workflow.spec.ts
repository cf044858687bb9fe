import { describe, expect, it } from 'vitest';
import { readYaml } from './support/repo.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
}

const workflow = readYaml('.github/workflows/ci.yml') as {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
};
const runs = (job: Job | undefined) => (job?.steps ?? []).map((s) => s.run ?? '').join('\n');

describe('.github/workflows/ci.yml', () => {
  it('runs on pushes to main and on pull requests', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('lints, typechecks, builds and tests what a change affects, on Node 24 with Redis', () => {
    const check = workflow.jobs['check'];
    expect(runs(check)).toMatch(/npx nx affected -t lint typecheck build/);
    expect(runs(check)).toMatch(/npx nx affected -t test/);
    expect(runs(check)).toMatch(/redis-server/);
    for (const job of Object.values(workflow.jobs)) {
      expect(
        job.steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth'],
      ).toBe(0);
      expect(
        job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'],
      ).toBe(24);
      expect(job.steps.some((s) => s.uses?.startsWith('nrwl/nx-set-shas@'))).toBe(true);
    }
  });

  it('builds only the affected images, after the checks pass, and pushes them from main only', () => {
    const images = workflow.jobs['images'];
    expect(images?.needs).toBe('check');
    expect(runs(images)).toMatch(/npx nx affected -t docker-build/);
    const push = images?.steps.find((s) => s.run?.includes('docker push'));
    expect((push as { if?: string } | undefined)?.if).toContain("github.ref == 'refs/heads/main'");
    expect(push?.run).toContain('npx nx show projects --affected -t docker-build');
  });
});
