import type { Express, Request, Response, NextFunction } from 'express';
import { httpErrors, requireServiceToken } from '@mcpgw/service-kit';
import { faultPatchSchema, type Faults, type FaultSettings } from './faults.js';
import type { SimStats } from './sim-stats.js';

export interface AdminRouteDeps {
  faults: Faults;
  stats: SimStats;
  /** When set, `/_sim/*` requires it as a bearer token. */
  adminToken?: string;
}

/**
 * The simulator's control surface for tests and demos: `GET /_sim/stats`,
 * `GET /_sim/faults` and `POST /_sim/faults` (a partial update of the knobs).
 */
export function mountAdminRoutes(app: Express, deps: AdminRouteDeps): void {
  const guard = deps.adminToken
    ? requireServiceToken(deps.adminToken)
    : (_req: Request, _res: Response, next: NextFunction) => next();
  app.get('/_sim/stats', guard, (_req, res) => {
    res.json(deps.stats.snapshot());
  });
  app.get('/_sim/faults', guard, (_req, res) => {
    res.json(deps.faults.settings);
  });
  app.post('/_sim/faults', guard, (req, res, next) => {
    const { value, error } = faultPatchSchema.validate(req.body ?? {});
    if (error) {
      next(
        httpErrors.badRequest(
          'invalid fault settings',
          error.details.map((d) => ({ field: d.path.join('.'), message: d.message })),
        ),
      );
      return;
    }
    res.json(deps.faults.apply(value as Partial<FaultSettings> & { reset?: boolean }));
  });
}
