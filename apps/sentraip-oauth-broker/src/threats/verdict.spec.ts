import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riskLevelForScore, threatVerdictSchema } from '@mcpgw/tool-schemas';
import { SentraipError } from '../errors.js';
import { normaliseUpstream, unknownVerdict, withFlags } from './verdict.js';

const target = { type: 'ip' as const, target: '203.0.113.9' };
const FLAGS = { cached: false, stale: false, degraded: false };

describe('normaliseUpstream', () => {
  it('keeps a well-formed SentraIP answer and derives the risk level from the score', () => {
    const data = normaliseUpstream(
      {
        target: '203.0.113.9',
        type: 'ip',
        threat_score: 9,
        risk_level: 'low',
        categories: ['botnet', 'botnet', ' scanner '],
        first_seen: '2024-01-15T08:00:00Z',
        last_seen: '2025-06-01T12:30:00Z',
        last_updated: '2025-06-01T12:45:00Z',
        country: 'nl',
        asn: 64500,
        is_tor: false,
        is_proxy: true,
        sources: ['feed'],
      },
      target,
    );
    expect(data).toEqual({
      target: '203.0.113.9',
      type: 'ip',
      threat_score: 9,
      risk_level: 'critical',
      categories: ['botnet', 'scanner'],
      first_seen: '2024-01-15T08:00:00Z',
      last_seen: '2025-06-01T12:30:00Z',
      last_updated: '2025-06-01T12:45:00Z',
      country: 'NL',
      asn: 'AS64500',
      is_tor: false,
      is_proxy: true,
      sources: ['feed'],
    });
    expect(threatVerdictSchema.validate(withFlags(data, FLAGS)).error).toBeUndefined();
  });

  it('uses the broker canonical target, not the one SentraIP echoes', () => {
    expect(normaliseUpstream({ target: 'evil', threat_score: 0 }, target).target).toBe(
      '203.0.113.9',
    );
  });

  it('drops malformed optional fields instead of failing', () => {
    const data = normaliseUpstream(
      {
        threat_score: 3,
        first_seen: 'yesterday',
        last_updated: null,
        country: 'Netherlands',
        asn: 'ASX',
        categories: ['', 'x'.repeat(65), 'ok'],
      },
      target,
    );
    expect(data).toEqual({
      target: '203.0.113.9',
      type: 'ip',
      threat_score: 3,
      risk_level: 'low',
      categories: ['ok'],
      last_updated: null,
      sources: [],
    });
  });

  it.each([
    [{}],
    [{ threat_score: 11 }],
    [{ threat_score: '9' }],
    [null],
    ['<html>'],
    [{ threat_score: 5, categories: 'x' }],
  ])('refuses %j as an invalid response', (body) => {
    expect(() => normaliseUpstream(body, target)).toThrow(
      expect.objectContaining({ reason: 'invalid_response' }),
    );
    expect(() => normaliseUpstream(body, target)).toThrow(SentraipError);
  });

  it('always yields a verdict the contract accepts, with riskLevelForScore', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }),
        fc.array(fc.string({ maxLength: 80 }), { maxLength: 100 }),
        (score, junk, tags) => {
          const data = normaliseUpstream(
            { ...junk, threat_score: score, categories: tags, sources: tags },
            target,
          );
          expect(data.risk_level).toBe(riskLevelForScore(score));
          expect(threatVerdictSchema.validate(withFlags(data, FLAGS)).error).toBeUndefined();
        },
      ),
    );
  });
});

describe('unknownVerdict', () => {
  it('is a degraded verdict without score that the contract accepts', () => {
    const verdict = unknownVerdict({ type: 'domain', target: 'example.com' });
    expect(verdict).toMatchObject({
      threat_score: null,
      risk_level: 'unknown',
      degraded: true,
      cached: false,
      stale: false,
    });
    expect(threatVerdictSchema.validate(verdict).error).toBeUndefined();
  });
});
