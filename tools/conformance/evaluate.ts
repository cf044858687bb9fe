/**
 * Judges one conformance run: reads the suite's `<results>/server-<scenario>-<timestamp>/checks.json`
 * files, counts a scenario as failed when any check is FAILURE or WARNING (the suite's own baseline
 * rule), and compares against the expected-failures file, where every entry carries its reason.
 * Exit 0 only when every failure is expected, no expected entry passes now, and every scenario the
 * suite offers produced a result.
 *
 * Usage: node --import tsx evaluate.ts --results DIR --expected FILE --scenarios "a b c" [--label L]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

interface Check {
  id?: string;
  status?: string;
  errorMessage?: string;
  details?: { message?: unknown };
}

const describe = (c: Check) =>
  c.errorMessage ?? (typeof c.details?.message === 'string' ? c.details.message : 'no message');

interface ExpectedFailure {
  scenario: string;
  reason: string;
}

const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

function readExpected(file: string): ExpectedFailure[] {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  const list = (raw as { server?: unknown } | null)?.server ?? [];
  if (!Array.isArray(list)) throw new Error(`${file}: "server" must be a list`);
  return list.map((entry: unknown, i) => {
    const { scenario, reason } = (entry ?? {}) as { scenario?: unknown; reason?: unknown };
    if (
      typeof scenario !== 'string' ||
      !scenario ||
      typeof reason !== 'string' ||
      reason.trim().length < 10
    ) {
      throw new Error(
        `${file}: server[${i}] needs a "scenario" and a "reason" (a sentence, not a placeholder)`,
      );
    }
    return { scenario, reason: reason.trim() };
  });
}

function readResults(dir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    // no results at all: every scenario is reported missing below
  }
  for (const entry of entries) {
    const scenario = RESULT_DIR.exec(entry)?.[1];
    if (!scenario) continue;
    try {
      results.set(
        scenario,
        JSON.parse(readFileSync(join(dir, entry, 'checks.json'), 'utf8')) as Check[],
      );
    } catch {
      results.set(scenario, [
        { id: scenario, status: 'FAILURE', errorMessage: 'checks.json missing or unreadable' },
      ]);
    }
  }
  return results;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      results: { type: 'string' },
      expected: { type: 'string' },
      scenarios: { type: 'string', default: '' },
      label: { type: 'string', default: 'gateway' },
    },
  });
  if (!values.results || !values.expected) throw new Error('--results and --expected are required');
  const expected = readExpected(values.expected);
  const expectedBy = new Map(expected.map((e) => [e.scenario, e]));
  const results = readResults(values.results);
  const offered = values.scenarios.split(/\s+/).filter(Boolean);

  const passed: string[] = [];
  const expectedFailures: string[] = [];
  const problems: string[] = [];
  for (const scenario of offered) {
    if (!results.has(scenario))
      problems.push(`${scenario}: no result (the suite stopped before it ran)`);
  }
  for (const [scenario, checks] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
    const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    const known = expectedBy.get(scenario);
    if (bad.length === 0) {
      passed.push(scenario);
      if (known)
        problems.push(
          `${scenario}: listed as an expected failure but passes now; remove it from ${values.expected}`,
        );
    } else if (known) {
      expectedFailures.push(scenario);
      console.log(
        `  ~ ${scenario}: expected failure (${known.reason.split('\n')[0]?.slice(0, 140)})`,
      );
    } else {
      problems.push(
        `${scenario}: ${bad.map((c) => `[${c.status}] ${c.id}: ${describe(c)}`).join('; ')}`,
      );
    }
  }
  for (const e of expected) {
    if (!results.has(e.scenario) && !offered.includes(e.scenario))
      problems.push(
        `${e.scenario}: listed as an expected failure but the suite has no such scenario`,
      );
  }
  for (const p of problems) console.log(`  ✗ ${p}`);
  console.log(
    `conformance (${values.label}): ${passed.length}/${results.size} scenarios pass, ${expectedFailures.length} expected failures, ${problems.length} problems`,
  );
  return problems.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`conformance: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
