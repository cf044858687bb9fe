import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RulesInvalidError } from '../errors.js';
import { parseRules } from './rules-loader.js';

const problemsOf = (text: string): string[] => {
  try {
    parseRules(text, 'rules.yaml');
  } catch (err) {
    if (err instanceof RulesInvalidError) return [...err.problems];
    throw err;
  }
  throw new Error('expected the rules to be rejected');
};

const VALID = `
webhooks:
  - id: soc
    url: https://hooks.example.com/x
    secret: super-secret-value-123456
rules:
  - id: low
    priority: 1
    when: { field: status, gte: 500 }
  - id: brute-force
    priority: 10
    when: { all: [ { field: decision, eq: deny }, { field: reason, eq: invalid_api_key } ] }
    window: { seconds: 60, count: { gt: 20 } }
    actions: { block_ip: { ttl_seconds: 600 }, webhooks: [soc] }
  - id: upstream-errors
    group_by: upstream
    when: { field: decision, eq: error }
    window: { seconds: 300, rate: { gt: 0.5 }, min_events: 20 }
  - id: disabled
    enabled: false
    when: { field: status, eq: 200 }
`;

describe('rules file', () => {
  it('compiles a valid file: enabled rules only, highest priority first, defaults applied', () => {
    const set = parseRules(VALID, 'rules.yaml');
    expect(set.rules.map((r) => r.id)).toEqual(['brute-force', 'low', 'upstream-errors']);
    const brute = set.rules[0]!;
    expect(brute).toMatchObject({
      groupBy: 'client_ip',
      cooldownMs: 300_000,
      blockIp: { ttlSeconds: 600, field: 'client_ip' },
      webhooks: ['soc'],
    });
    expect(brute.window).toMatchObject({ ms: 60_000, slotMs: 5_000, slots: 12, kind: 'count' });
    expect(brute.window?.reached(20)).toBe(false);
    expect(brute.window?.reached(21)).toBe(true);
    expect(set.rules[2]?.window).toMatchObject({ kind: 'rate', minEvents: 20 });
    expect(set.webhooks.get('soc')).toMatchObject({
      retries: 5,
      concurrency: 4,
      breaker: { volume_threshold: 5 },
    });
    expect(set.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('names every problem by its path, all at once', () => {
    const problems = problemsOf(`
rules:
  - id: Bad Id
    when: { field: nope, eq: 1 }
    window: { seconds: 0, count: { gt: 1 }, rate: { gt: 0.5 } }
  - id: ok
    when: { all: [ { field: status } ] }
    severity: extreme
`);
    const text = problems.join('\n');
    expect(text).toContain('rules[0].id:');
    expect(text).toContain('rules[0].when.field:');
    expect(text).toContain('rules[0].window.seconds:');
    expect(text).toMatch(/rules\[0\]\.window: .*count.*rate/);
    expect(text).toContain('rules[1].when.all[0]:');
    expect(text).toContain('rules[1].severity:');
  });

  it('finds what joi cannot: duplicate ids, unknown webhooks, bad regexes and CIDRs', () => {
    const problems = problemsOf(`
rules:
  - id: a
    when: { field: endpoint, regex: "([" }
    actions: { webhooks: [missing] }
  - id: a
    when: { field: client_ip, cidr: [10.0.0.0/33, not-an-ip] }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'rules[1].id: duplicate id "a"',
        'rules[0].actions.webhooks[0]: unknown webhook "missing"',
        expect.stringMatching(
          /^rules\[0\]\.when\.regex: not a valid regular expression/,
        ) as unknown as string,
        expect.stringMatching(/^rules\[1\]\.when\.cidr\[0\]: .*prefix length/) as unknown as string,
        expect.stringMatching(
          /^rules\[1\]\.when\.cidr\[1\]: .*not an IP address/,
        ) as unknown as string,
      ]),
    );
  });

  it('reports YAML syntax errors by line without quoting the file', () => {
    const problems = problemsOf('webhooks:\n  - id: soc\n    secret: abc: def: ghi-very-secret\n');
    expect(problems[0]).toMatch(/^line 3: /);
    expect(problems.join('\n')).not.toContain('very-secret');
  });

  it('never quotes a webhook secret in a problem', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 15 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)),
        (secret) => {
          const problems = problemsOf(
            `webhooks:\n  - id: x\n    url: ftp://nope\n    secret: "zz${secret}"\n`,
          );
          expect(problems.join('\n')).not.toContain(`zz${secret}`);
          expect(problems.join('\n')).toContain('webhooks[0].secret:');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('accepts an empty file as no rules', () => {
    expect(parseRules('', 'rules.yaml').rules).toEqual([]);
  });
});
