import type { Express, NextFunction, Request, Response } from 'express';
import { HttpError, requireServiceToken } from '@mcpgw/service-kit';
import { parseTarget } from '../targets/parse-target.js';
import type { LookupResult, ThreatService } from '../threats/threat-service.js';
import { parseBatch } from './batch.js';
import { invalidTargets, toRouteError } from './http-errors.js';

export interface ThreatRouteDeps {
  service: ThreatService;
  /** `BROKER_SERVICE_TOKEN`; unset refuses every call (fail closed). */
  serviceToken: string | undefined;
}

function targetParam(value: unknown): unknown {
  // `{/*target}` captures the rest of the path as decoded segments, so `../etc` arrives whole.
  return Array.isArray(value) ? value.join('/') : value;
}

function sendVerdict(res: Response, result: LookupResult): void {
  res.set({ 'Cache-Control': 'no-store', 'X-Broker-Verdict-Source': result.source });
  if (result.degradedReason) res.set('X-Broker-Degraded-Reason', result.degradedReason);
  res.json(result.verdict);
}

/**
 * The internal threat API (service token required): `GET /v1/threat/{ip|domain}/{target}`
 * answers one `ThreatVerdict`; `POST /v1/threat/batch` answers `{ verdicts: ThreatVerdict[] }`
 * in request order. Invalid input is a 400 naming the field; SentraIP trouble is never an error
 * status, only a `degraded` verdict.
 */
export function mountThreatRoutes(app: Express, deps: ThreatRouteDeps): void {
  app.use('/v1', requireServiceToken(deps.serviceToken));

  app.get('/v1/threat/:type{/*target}', async (req: Request, res: Response) => {
    const params = req.params as Record<string, unknown>;
    let target;
    try {
      target = parseTarget(params['type'], targetParam(params['target']));
    } catch (err) {
      throw toRouteError(err);
    }
    sendVerdict(res, await deps.service.lookup(target));
  });

  app.post('/v1/threat/batch', async (req: Request, res: Response) => {
    const parsed = parseBatch(req.body);
    if (!parsed.ok) throw invalidTargets(parsed.errors);
    const results = await Promise.all(parsed.targets.map((target) => deps.service.lookup(target)));
    const degraded = results.filter((r) => r.verdict.degraded).length;
    res.set({ 'Cache-Control': 'no-store', 'X-Broker-Degraded-Count': String(degraded) });
    res.json({ verdicts: results.map((r) => r.verdict) });
  });

  // A path parameter that is not valid percent-encoding fails in the router before any handler.
  app.use('/v1', (err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    if (err instanceof URIError) {
      next(
        new HttpError(400, 'BRK_ERR_INVALID_TARGET', 'target: not valid percent-encoding', {
          reason: 'invalid_target',
          details: [{ field: 'target', message: 'target is not valid percent-encoding' }],
        }),
      );
      return;
    }
    next(err);
  });
}
