import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import Joi from 'joi';
import { httpErrors, HttpError, requestContext } from '@mcpgw/service-kit';
import type { GatewayCore } from '../gateway.js';
import type { RequestRecord } from '../pipeline/gateway-pipeline.js';
import { normaliseIp } from '../security/client-ip.js';
import { Denial } from '../security/denial.js';
import { isAdmin, type Principal } from '../security/principal.js';
import { diffDefinitions } from '../pinning/tool-pins.js';
import { mountUpstreamRoutes, type AdminAction } from './upstream-routes.js';

const role = Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,64}$/);
const createKeySchema = Joi.object({
  owner: Joi.string().min(1).max(256).required(),
  roles: Joi.array().items(role).max(32).default([]),
  client_id: Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,128}$/),
  expires_at: Joi.date().iso().greater('now'),
});
const approveSchema = Joi.object({
  upstream: Joi.string().pattern(/^[a-z][a-z0-9-]{0,39}$/).required(),
  tool: Joi.string().min(1).max(128).required(),
});
const blockSchema = Joi.object({
  ip: Joi.string()
    .ip({ cidr: 'forbidden' })
    // Joi takes leading zeros (01.2.3.4), which node:net and the blocklist do not: refused here.
    .custom((value: string, helpers) => (isIP(normaliseIp(value)) === 0 ? helpers.error('string.ip') : value))
    .required(),
  ttl_seconds: Joi.number().integer().min(1).max(30 * 86_400).default(3600),
  reason: Joi.string().pattern(/^[\x20-\x7e]{1,200}$/).default('manual'),
  incident_id: Joi.string().max(128),
});

function validated<T>(schema: Joi.ObjectSchema<T>, body: unknown): T {
  const { value, error } = schema.validate(body ?? {}, { abortEarly: false, stripUnknown: false });
  if (error) throw httpErrors.badRequest('invalid request body', error.details.map((d) => ({ field: d.path.join('.'), message: d.message })));
  return value;
}

/**
 * `/admin`: API keys, the blocklist, upstreams (add, remove, drain), config reload and client policies. Admin role only, with
 * one exception: the collector's service token may add blocklist entries (its automated block
 * action). Every admin action is audited.
 */
/**
 * Who may use the admin API: an admin principal, or the collector's service token (blocklist
 * only). Mounted before the JSON parser too (service-kit `guards`), so a caller without the right
 * gets its 401/403 before any body is read; once a request has its principal, it passes.
 */
export function adminAuthentication(core: GatewayCore, serviceToken: string | undefined) {
  const serviceDigest = serviceToken ? createHash('sha256').update(serviceToken).digest() : undefined;
  return async (req: Request, res: Response, next: NextFunction) => {
    if (res.locals['principal'] !== undefined) {
      next();
      return;
    }
    const record: RequestRecord = { requestId: requestContext(res).requestId, degraded: false };
    res.locals['audit'] = record;
    try {
      const bearer = /^Bearer (\S{1,512})$/.exec(req.get('authorization') ?? '')?.[1];
      if (bearer && serviceDigest && timingSafeEqual(createHash('sha256').update(bearer).digest(), serviceDigest)) {
        res.locals['principal'] = { id: 'service:collector', kind: 'api_key', user: 'analytics-collector', roles: ['blocklist-writer'] } satisfies Principal;
        next();
        return;
      }
      const admission = await core.pipeline.admit({ headers: req.headers, url: req.originalUrl, socketAddress: req.socket.remoteAddress }, record);
      if (!isAdmin(admission.principal)) throw new Denial(403, 'FORBIDDEN', 'the admin role is required', 'not_admin');
      res.locals['principal'] = admission.principal;
      next();
    } catch (err) {
      if (err instanceof Denial) {
        await core.pipeline.finish({ ...record, method: `${req.method} /admin${req.path}` }, { status: err.status, decision: 'deny', reason: err.reason, durationMs: 0 }, 'rest.request');
        next(new HttpError(err.status, err.code, err.message, { headers: err.headers, reason: err.reason }));
        return;
      }
      next(err);
    }
  };
}

export function mountAdminRoutes(app: Express, core: GatewayCore, serviceToken: string | undefined): void {
  const router = express.Router();
  const authenticate = adminAuthentication(core, serviceToken);

  /** Wraps an admin handler: runs it, then records an `admin.action` event with its outcome. */
  const action: AdminAction = (name, allowService, handler) =>
    async (req: Request, res: Response, next: NextFunction) => {
      const principal = res.locals['principal'] as Principal;
      const record = { ...(res.locals['audit'] as RequestRecord), principal, method: name };
      if (!isAdmin(principal) && !(allowService && principal.roles.includes('blocklist-writer'))) {
        next(httpErrors.forbidden('the admin role is required'));
        return;
      }
      const started = performance.now();
      try {
        await handler(req, res);
        await core.audit.record(auditOf({ ...record, upstream: res.locals['auditUpstream'] as string | undefined }, res.statusCode, 'allow', undefined, performance.now() - started));
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        await core.audit.record(auditOf({ ...record, upstream: res.locals['auditUpstream'] as string | undefined }, status, status >= 500 ? 'error' : 'deny', err instanceof HttpError ? err.reason : 'internal', performance.now() - started)).catch(() => undefined);
        next(err);
      }
    };

  router.use(authenticate);
  router.get('/keys', action('admin.keys.list', false, async (_req, res) => {
    res.json({ keys: await core.apiKeys.list() });
  }));
  router.post('/keys', action('admin.keys.create', false, async (req, res) => {
    const body = validated(createKeySchema, req.body);
    const { key, record } = await core.apiKeys.create({
      owner: body.owner,
      roles: body.roles,
      clientId: body.client_id,
      expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : undefined,
    });
    const { hash: _hash, ...summary } = record;
    res.status(201).json({ key, ...summary });
  }));
  router.delete('/keys/:id', action('admin.keys.revoke', false, async (req, res) => {
    if (!(await core.apiKeys.revoke(String(req.params['id'])))) throw httpErrors.notFound('no such key');
    res.status(204).end();
  }));
  router.post('/keys/:id/rotate', action('admin.keys.rotate', false, async (req, res) => {
    const rotated = await core.apiKeys.rotate(String(req.params['id']));
    if (!rotated) throw httpErrors.notFound('no such key');
    const { hash: _hash, ...summary } = rotated.record;
    res.status(201).json({ key: rotated.key, ...summary });
  }));
  router.get('/blocklist', action('admin.blocklist.list', false, async (_req, res) => {
    res.json({ entries: core.blocklist.list() });
  }));
  router.post('/blocklist', action('admin.blocklist.add', true, async (req, res) => {
    const body = validated(blockSchema, req.body);
    const entry = await core.blocklist.add(body.ip, body.ttl_seconds, body.incident_id ? `${body.reason} (incident ${body.incident_id})` : body.reason);
    res.status(201).json(entry);
  }));
  router.delete('/blocklist/:ip', action('admin.blocklist.remove', false, async (req, res) => {
    if (!(await core.blocklist.remove(String(req.params['ip'])))) throw httpErrors.notFound('not blocked');
    res.status(204).end();
  }));
  mountUpstreamRoutes(router, core, action);
  router.get('/tools', action('admin.tools.list', false, async (_req, res) => {
    res.json({
      tools: core.catalogue.tools().map((t) => ({
        name: t.name,
        upstream: t.owner.kind === 'builtin' ? 'builtin' : t.owner.upstream.id,
        flags: t.flags ?? [],
      })),
      held: core.catalogue.held(),
    });
  }));
  router.get('/tools/pending', action('admin.tools.pending', false, async (_req, res) => {
    const pending = await core.pins.pending();
    res.json({
      pending: pending.map((p) => ({
        upstream: p.upstream,
        tool: p.tool,
        pinned_hash: p.pinned.hash,
        proposed_hash: p.proposed.hash,
        diff: diffDefinitions(p.pinned.definition, p.proposed.definition),
      })),
    });
  }));
  router.post('/tools/approve', action('admin.tools.approve', false, async (req, res) => {
    const body = validated(approveSchema, req.body);
    const principal = res.locals['principal'] as Principal;
    if (!(await core.pins.approve(body.upstream, body.tool, principal.user ?? principal.id))) throw httpErrors.notFound('no pending change for that tool');
    await core.catalogue.refresh(body.upstream);
    res.status(200).json({ approved: true });
  }));
  router.get('/clients', action('admin.clients.list', false, async (_req, res) => {
    const file = core.currentFile();
    res.json({ clients: file.clients, toolSets: file.toolSets });
  }));
  app.use('/admin', router);
}

function auditOf(record: RequestRecord, status: number, decision: 'allow' | 'deny' | 'error', reason: string | undefined, durationMs: number) {
  return {
    type: 'admin.action' as const,
    request_id: record.requestId,
    ...(record.principal ? { user: (record.principal.user ?? record.principal.id).slice(0, 256) } : {}),
    ...(record.method ? { method: record.method } : {}),
    ...(record.upstream ? { upstream: record.upstream } : {}),
    ...(record.clientIp ? { client_ip: record.clientIp } : {}),
    decision,
    ...(reason ? { reason } : {}),
    status,
    duration_ms: Math.round(durationMs * 1000) / 1000,
    degraded: false,
  };
}
