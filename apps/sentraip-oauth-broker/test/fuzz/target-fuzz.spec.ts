import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { THREAT_TARGET_PATTERN, threatVerdictSchema } from '@mcpgw/tool-schemas';
import { leaksInternals, rawRequest } from '@mcpgw/testing';
import { SERVICE_TOKEN, setSimFaults, simStats } from '../support/processes.js';
import { useSimulatedBroker } from '../support/simulated-broker.js';

const TARGET = new RegExp(THREAT_TARGET_PATTERN, 'u');

/**
 * Odd spellings that name a host: [type, as sent, canonical target]. `api.spec.ts` has the
 * plain IPv4-mapped `::ffff:203.0.113.9` (with the cache) and the refusals whose message it checks.
 */
const ACCEPTED: Array<[string, string, string]> = [
  ['ip', '::FFFF:CB00:7109', '203.0.113.9'],
  ['ip', '0:0:0:0:0:ffff:203.0.113.9', '203.0.113.9'],
  ['ip', '2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
  ['ip', '2001:0db8::0001', '2001:db8::1'],
  ['ip', '0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
  ['ip', '::', '::'],
  ['ip', '1:0:0:1:0:0:0:1', '1:0:0:1::1'],
  ['ip', '1:0:0:0:1:0:0:1', '1::1:0:0:1'],
  ['ip', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ['ip', '0.0.0.0', '0.0.0.0'],
  ['ip', '255.255.255.255', '255.255.255.255'],
  ['domain', 'EXAMPLE.com', 'example.com'],
  ['domain', 'münchen.de', 'xn--mnchen-3ya.de'],
  ['domain', 'XN--MNCHEN-3YA.DE', 'xn--mnchen-3ya.de'],
  ['domain', '例え.テスト', 'xn--r8jz45g.xn--zckzah'],
  ['domain', `${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ['domain', '123.com', '123.com'],
];

/** Inputs that name no host (or an ambiguous one): [type, as sent, field]. */
const REFUSED: Array<[string, string, 'target' | 'type']> = [
  ...[
    '010.1.1.1',
    '1.1.1.01',
    '1.1.1',
    '1.1.1.1.',
    '256.1.1.1',
    '0x7f.0.0.1',
    '2130706433',
    '[::1]',
    'fe80::1%eth0',
    '::ffff:010.1.1.1',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'localhost',
    ' 1.1.1.1',
    '1.1.1.1 ',
    '١.١.١.١',
    '１.１.１.１',
    '1.1.1.1/32',
    '1.1.1.1:80',
    'example.com',
  ].map((t): [string, string, 'target'] => ['ip', t, 'target']),
  ...[
    'localhost',
    'example.com.',
    '.example.com',
    'a..b.com',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(130)}com`,
    'example',
    'exa_mple.com',
    'http://example.com',
    'example.com:80',
    'example.com/x',
    '1.2.3.4',
    '::1',
    'xn--a.com',
    '-a.com',
    'a-.com',
    'example.c',
    'example.123',
    '\u200bexample.com',
    'exa\u0000mple.com',
    'example.com?x=1',
    'exa mple.com',
  ].map((t): [string, string, 'target'] => ['domain', t, 'target']),
  ['IP', '1.1.1.1', 'type'],
  ['__proto__', '1.1.1.1', 'type'],
  ['constructor', 'example.com', 'type'],
];

describe('threat lookups of odd targets (simulator, memory store)', () => {
  const stack = useSimulatedBroker({ SIM_RATE_LIMIT_PER_HOUR: '1000000' });
  const bodies = stack.bodies;

  it.each(ACCEPTED)('looks up %s %j as %s', async (type, raw, canonical) => {
    const answer = await stack.client.lookup(type, raw);
    bodies.push(JSON.stringify(answer.body));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ type, target: canonical });
    expect(threatVerdictSchema.validate(answer.body).error).toBeUndefined();
  });

  it('refuses every ambiguous or malformed target with 400 naming the field, asking SentraIP nothing', async () => {
    const before = (await simStats(stack.sim.url)).lookups;
    for (const [type, raw, field] of REFUSED) {
      const answer = await stack.client.lookup(type, raw);
      bodies.push(JSON.stringify(answer.body));
      expect(answer.status, `${type} ${JSON.stringify(raw)}`).toBe(400);
      expect(answer.body['error']).toBe('BRK_ERR_INVALID_TARGET');
      expect(answer.body['details'], raw).toEqual([expect.objectContaining({ field })]);
    }
    expect((await simStats(stack.sim.url)).lookups).toBe(before);
  });

  it('answers raw and percent-encoded paths with 200 or 400, never 404 or 500', async () => {
    const cases: Array<[string, number, string?]> = [
      ['/v1/threat/ip/%31.1.1.1', 200, '1.1.1.1'],
      ['/v1/threat/domain/a%2Eexample.com', 200, 'a.example.com'],
      ['/v1/threat/ip/1.1.1.1%2F', 400],
      ['/v1/threat/ip/1.1.1.1/', 400],
      ['/v1/threat/ip//1.1.1.1', 400],
      ['/v1/threat/ip/%ZZ', 400],
      ['/v1/threat/ip/%', 400],
      ['/v1/threat/domain/%C0%AE%C0%AE', 400],
      ['/v1/threat/domain/../etc', 400],
      ['/v1/threat/domain/%2e%2e/%2e%2e/health', 400],
      ['/v1/threat/domain/example.com%00', 400],
      [`/v1/threat/domain/${'a'.repeat(4000)}.com`, 400],
    ];
    for (const [path, status, target] of cases) {
      const answer = await rawRequest(stack.broker.url, {
        path,
        headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      });
      bodies.push(answer.text);
      expect(answer.status, path).toBe(status);
      expect(leaksInternals(answer.text), path).toBe(false);
      if (target) expect(answer.json?.['target'], path).toBe(target);
      else expect(answer.json?.['error'], path).toBe('BRK_ERR_INVALID_TARGET');
    }
  });

  it('answers arbitrary targets with 200 and a canonical, stable target, or 400 (property)', async () => {
    const target = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.domain(),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom(...'0123456789abcdefABCDEF.:%-_/'.split('')),
        maxLength: 40,
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('ip', 'domain'), target, async (type, raw) => {
        const answer = await stack.client.lookup(type, raw);
        bodies.push(JSON.stringify(answer.body));
        expect([200, 400], `${type} ${JSON.stringify(raw)}`).toContain(answer.status);
        if (answer.status === 400) {
          expect(answer.body['error']).toBe('BRK_ERR_INVALID_TARGET');
          return;
        }
        const canonical = String(answer.body['target']);
        expect(TARGET.test(canonical)).toBe(true);
        expect(threatVerdictSchema.validate(answer.body).error).toBeUndefined();
        const again = await stack.client.lookup(type, canonical);
        expect(again.status).toBe(200);
        expect(again.body['target']).toBe(canonical);
        expect(again.headers['x-broker-verdict-source']).toBe('cache');
      }),
      { numRuns: 120 },
    );
  });

  it('asks SentraIP once for concurrent lookups of one host under many spellings', async () => {
    await setSimFaults(stack.sim.url, { latency_ms: 300 });
    try {
      const before = (await simStats(stack.sim.url)).lookups;
      const ipSpellings = [
        '198.18.7.7',
        '::ffff:198.18.7.7',
        '::FFFF:C612:707',
        '0:0:0:0:0:ffff:c612:0707',
      ];
      const domainSpellings = [
        'fz-münchen.de',
        'FZ-MÜNCHEN.DE',
        'xn--fz-mnchen-t9a.de',
        'XN--FZ-MNCHEN-T9A.de',
      ];
      const answers = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) =>
          stack.client.lookup('ip', ipSpellings[i % 4] as string),
        ),
        ...Array.from({ length: 40 }, (_, i) =>
          stack.client.lookup('domain', domainSpellings[i % 4] as string),
        ),
      ]);
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.body['degraded']).toBe(false);
      }
      expect(new Set(answers.slice(0, 40).map((a) => a.body['target']))).toEqual(
        new Set(['198.18.7.7']),
      );
      expect(new Set(answers.slice(40).map((a) => a.body['target']))).toEqual(
        new Set(['xn--fz-mnchen-t9a.de']),
      );
      expect((await simStats(stack.sim.url)).lookups - before).toBe(2);
    } finally {
      await setSimFaults(stack.sim.url, { reset: true, latency_ms: 0 });
    }
  });

  it('answers batches in request order, looking each host up once whatever its spelling', async () => {
    const before = (await simStats(stack.sim.url)).lookups;
    const answer = await stack.client.batch({
      targets: [
        { type: 'ip', target: '198.18.9.9' },
        { type: 'domain', target: 'fz-batch.example' },
        { type: 'ip', target: '::ffff:198.18.9.9' },
        { type: 'domain', target: 'FZ-BATCH.example' },
        { type: 'ip', target: '0:0:0:0:0:FFFF:C612:909' },
      ],
    });
    bodies.push(JSON.stringify(answer.body));
    expect(answer.status).toBe(200);
    const verdicts = answer.body['verdicts'] as Array<Record<string, unknown>>;
    expect(verdicts.map((v) => v['target'])).toEqual([
      '198.18.9.9',
      'fz-batch.example',
      '198.18.9.9',
      'fz-batch.example',
      '198.18.9.9',
    ]);
    expect((await simStats(stack.sim.url)).lookups - before).toBe(2);
  });

  it('never shows the client secret, the Basic credentials or a SentraIP token in answers or logs', () => {
    expect(bodies.length).toBeGreaterThan(50);
    stack.expectNoLeaks();
  });
});
