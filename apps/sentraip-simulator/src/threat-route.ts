import type { Express, Request, Response } from 'express';
import { pause } from './delay.js';
import type { Faults } from './faults.js';
import type { TokenStore } from './oauth/token-store.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SimStats } from './sim-stats.js';
import type { SimVerdict, ThreatData } from './threat-data.js';

export interface ThreatRouteDeps {
  data: ThreatData;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: Faults;
  stats: SimStats;
  /** Source of randomness for `error_rate`; injectable for tests. */
  random?: () => number;
}

/** A-label domain: LDH labels of 1–63, at least two, at most 253 characters. */
const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])$/i;
/** Seconds a 429 storm asks clients to wait. */
const STORM_RETRY_AFTER_SECONDS = 1;

function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header) : null;
  return match?.[1];
}

/**
 * `GET /v1/threat-intelligence/{ip|domain}/{target}`: bearer token required, then the 429
 * storm / rate limit, the latency and error-rate faults, and the verdict from the data file
 * in the body and in the `X-SentraIP-*` headers.
 */
export function mountThreatRoutes(app: Express, deps: ThreatRouteDeps): void {
  const random = deps.random ?? Math.random;
  const handle = (type: 'ip' | 'domain') => async (req: Request, res: Response) => {
    deps.stats.lookupReceived();
    const answer = (outcome: Parameters<SimStats['lookupAnswered']>[1]) =>
      deps.stats.lookupAnswered(type, outcome);
    const presented = bearerToken(req.get('authorization'));
    const token = presented ? deps.tokens.verify(presented) : undefined;
    if (!token) {
      answer('unauthorized');
      res
        .set(
          'WWW-Authenticate',
          presented ? 'Bearer realm="sentraip", error="invalid_token"' : 'Bearer realm="sentraip"',
        )
        .status(401)
        .json({ error: 'invalid_token', message: 'a valid access token is required' });
      return;
    }
    const { settings } = deps.faults;
    if (settings.rate_limit_storm) {
      answer('rate_limited');
      res
        .set('Retry-After', String(STORM_RETRY_AFTER_SECONDS))
        .status(429)
        .json({ error: 'rate_limited' });
      return;
    }
    const decision = deps.limiter.take(token.clientId);
    res.set({
      'X-RateLimit-Limit': String(settings.rate_limit_per_hour),
      'X-RateLimit-Remaining': String(decision.remaining),
    });
    if (!decision.allowed) {
      answer('rate_limited');
      res
        .set('Retry-After', String(decision.retryAfterSeconds))
        .status(429)
        .json({ error: 'rate_limited' });
      return;
    }
    if (settings.latency_ms > 0) await pause(settings.latency_ms);
    if (settings.error_rate > 0 && random() < settings.error_rate) {
      answer('server_error');
      res.status(500).json({ error: 'server_error', message: 'simulated failure' });
      return;
    }
    const raw = String(req.params['target'] ?? '');
    const verdict =
      type === 'ip' ? deps.data.ip(raw) : DOMAIN.test(raw) ? deps.data.domain(raw) : undefined;
    if (!verdict) {
      answer('invalid_target');
      res
        .status(400)
        .json({
          error: 'invalid_target',
          message: `not a valid ${type === 'ip' ? 'IP address' : 'domain'}`,
        });
      return;
    }
    answer('ok');
    res.set(verdictHeaders(verdict)).json(verdict);
  };
  app.get('/v1/threat-intelligence/ip/:target', handle('ip'));
  app.get('/v1/threat-intelligence/domain/:target', handle('domain'));
}

function verdictHeaders(verdict: SimVerdict): Record<string, string> {
  return {
    'X-SentraIP-Risk-Score': String(verdict.threat_score),
    'X-SentraIP-Threats': verdict.categories.join(','),
    'X-Last-Updated': verdict.last_updated,
    'X-Data-Source': verdict.sources.join(',') || 'sentraip',
    'Cache-Control': 'private, max-age=0',
  };
}
