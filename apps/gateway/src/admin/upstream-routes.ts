import type { Request, RequestHandler, Response, Router } from 'express';
import { TimeoutError, withTimeout } from '@mcpgw/resilience';
import { HttpError, httpErrors } from '@mcpgw/service-kit';
import type { GatewayCore } from '../gateway.js';
import { GatewayConfigError, parseProblem } from '../gateway-config/load.js';
import type { Principal } from '../security/principal.js';
import { UpstreamRequestError, type UpstreamView } from '../upstreams/upstream-manager.js';
import { UpstreamChangeError } from '../upstreams/upstream-set.js';

/** An audited admin handler (see `mountAdminRoutes`). */
export type AdminAction = (name: string, allowService: boolean, handler: (req: Request, res: Response) => Promise<void>) => RequestHandler;

const UPSTREAM_ID = /^[a-z][a-z0-9-]{0,39}$/;

/** The upstream id of the path, or a 404 (an id that cannot exist is simply not there). */
function upstreamId(req: Request, res: Response): string {
  const id = String(req.params['id']);
  if (!UPSTREAM_ID.test(id)) throw httpErrors.notFound(`no upstream "${id.slice(0, 40)}"`);
  res.locals['auditUpstream'] = id;
  return id;
}

const by = (res: Response) => {
  const principal = res.locals['principal'] as Principal;
  return (principal.user ?? principal.id).slice(0, 256);
};

/** Maps the upstream set's local errors to the admin API's HTTP errors. */
function toHttp(err: unknown): unknown {
  if (err instanceof UpstreamRequestError) {
    return err.status === 400
      ? httpErrors.badRequest('invalid upstream entry', err.problems)
      : new HttpError(403, err.code, err.message, { reason: 'stdio_not_allowed' });
  }
  if (err instanceof UpstreamChangeError) {
    return new HttpError(err.status, err.code, err.message, { reason: err.status === 404 ? 'not_found' : 'conflict' });
  }
  return err;
}

const mapped =
  (handler: (req: Request, res: Response) => Promise<void>) =>
  async (req: Request, res: Response): Promise<void> => {
    try {
      await handler(req, res);
    } catch (err) {
      throw toHttp(err);
    }
  };

/** How long `POST /admin/upstreams` waits for the new upstream's first listing before it answers. */
const ADD_LISTING_WAIT_MS = 5_000;

/** An upstream as the admin API shows it: no URL, headers or environment. */
function upstreamStatus(
  core: GatewayCore,
  view: UpstreamView,
  tools = core.catalogue.tools(),
  failures = core.catalogue.unhealthy(),
) {
  const upstream = core.upstreams.get(view.id);
  return {
    id: view.id,
    transport: view.transport,
    source: view.source,
    state: view.state,
    in_flight: view.inFlight,
    connected: upstream?.connected ?? false,
    breaker: upstream?.breakerState ?? 'closed',
    healthy: !failures.has(view.id),
    tools: tools.filter((t) => t.owner.kind === 'upstream' && t.owner.upstream === upstream).length,
  };
}

/**
 * `/admin/upstreams` (list, add, remove, drain, undrain) and `/admin/config/reload`. The upstream
 * entry of `POST /admin/upstreams` is validated exactly like an entry of `upstreams:` in the file.
 */
export function mountUpstreamRoutes(router: Router, core: GatewayCore, action: AdminAction): void {
  router.get('/upstreams', action('admin.upstreams.list', false, async (_req, res) => {
    const tools = core.catalogue.tools();
    const failures = core.catalogue.unhealthy();
    res.json({ upstreams: core.upstreamAdmin.list().map((view) => upstreamStatus(core, view, tools, failures)) });
  }));
  router.post('/upstreams', action('admin.upstreams.add', false, mapped(async (req, res) => {
    const body: unknown = req.body;
    if (body && typeof body === 'object' && typeof (body as { id?: unknown }).id === 'string') res.locals['auditUpstream'] = (body as { id: string }).id.slice(0, 40);
    const added = await core.upstreamAdmin.add(body, by(res));
    // Answer once the new upstream has been listed (bounded), so the caller learns at once whether
    // it answers (`healthy`) and how many tools it brings; a slow one is still `in_progress`.
    const listing = await withTimeout(() => core.catalogue.refresh(added.id), ADD_LISTING_WAIT_MS).then(
      () => 'complete' as const,
      (err: unknown) => (err instanceof TimeoutError ? ('in_progress' as const) : ('complete' as const)),
    );
    const view = core.upstreamAdmin.list().find((v) => v.id === added.id);
    const status = view
      ? upstreamStatus(core, view)
      : { id: added.id, transport: added.transport, source: 'runtime', state: 'active' };
    res.status(201).json({ ...status, listing });
  })));
  router.delete('/upstreams/:id', action('admin.upstreams.remove', false, mapped(async (req, res) => {
    await core.upstreamAdmin.remove(upstreamId(req, res), by(res));
    res.status(204).end();
  })));
  router.post('/upstreams/:id/drain', action('admin.upstreams.drain', false, mapped(async (req, res) => {
    const id = upstreamId(req, res);
    res.status(202).json({ id, state: await core.upstreamAdmin.setDrained(id, true, by(res)) });
  })));
  router.post('/upstreams/:id/undrain', action('admin.upstreams.undrain', false, mapped(async (req, res) => {
    const id = upstreamId(req, res);
    res.status(200).json({ id, state: await core.upstreamAdmin.setDrained(id, false, by(res)) });
  })));
  router.post('/config/reload', action('admin.config.reload', false, async (_req, res) => {
    try {
      const outcome = await core.reloadConfig();
      res.json({ reloaded: true, applied: outcome.applied, restart_required: outcome.restartRequired, upstreams: outcome.upstreams });
    } catch (err) {
      if (err instanceof GatewayConfigError) throw httpErrors.badRequest('invalid gateway config; the previous config stays in effect', err.problems.map(parseProblem));
      throw err;
    }
  }));
}
