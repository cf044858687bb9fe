import { Router, type Express, type Request } from 'express';
import Joi from 'joi';
import { httpErrors, requireServiceToken } from '@mcpgw/service-kit';
import { API_ID_PATTERN, TIME_RANGES, type TimeRange } from '@mcpgw/tool-schemas';
import { readApiAnalytics, readOverview } from '../aggregates/analytics-reader.js';
import { auditQuerySchema, queryAudit } from '../audit/audit-query.js';
import type { Collector } from '../collector.js';
import { parseQuery } from './query.js';

const timeRange = () =>
  Joi.string()
    .valid(...TIME_RANGES)
    .default('24h');
const cursor = () =>
  Joi.string()
    .pattern(/^[1-9][0-9]{0,15}$/)
    .messages({ 'string.pattern.base': '{{#label}} must be a cursor returned by a previous page' });

const analyticsQuery = Joi.object<{ api_id: string; time_range: TimeRange }>({
  api_id: Joi.string()
    .min(1)
    .max(128)
    .pattern(new RegExp(API_ID_PATTERN, 'u'))
    .required()
    .messages({
      'string.pattern.base': '{{#label}} must be letters, digits, ".", "_", ":" or "-"',
    }),
  time_range: timeRange(),
});
const overviewQuery = Joi.object<{ time_range: TimeRange }>({ time_range: timeRange() });
const pageQuery = Joi.object<{ limit: number; cursor?: string; rule?: string }>({
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: cursor(),
  rule: Joi.string().min(1).max(64),
});

/** The caller a rate limit applies to: the peer address (the relay's replica). */
const callerOf = (req: Request): string => req.socket.remoteAddress ?? 'unknown';

/** Mounts the collector's API, every route behind the collector's service token. */
export function mountCollectorRoutes(
  app: Express,
  collector: Collector,
  serviceToken: string | undefined,
): void {
  const v1 = Router();
  v1.use(requireServiceToken(serviceToken));

  v1.post('/events', async (req, res) => {
    res.json(await collector.ingest.ingest(req.body, callerOf(req)));
  });

  v1.get('/analytics', async (req, res) => {
    const q = parseQuery(analyticsQuery, req.query);
    res.json(await readApiAnalytics(collector.store, q.api_id, q.time_range, collector.now()));
  });

  v1.get('/analytics/overview', async (req, res) => {
    const q = parseQuery(overviewQuery, req.query);
    res.json(await readOverview(collector.store, q.time_range, collector.now()));
  });

  v1.get('/audit', async (req, res) => {
    res.json(await queryAudit(collector.audit, parseQuery(auditQuerySchema, req.query)));
  });

  v1.get('/incidents', async (req, res) => {
    const q = parseQuery(pageQuery, req.query);
    const page = await collector.incidents.list({
      limit: q.limit,
      ...(q.rule !== undefined && { rule: q.rule }),
      ...(q.cursor !== undefined && { before: Number(q.cursor) }),
    });
    res.json({
      incidents: page.items.map((i) => i.item),
      next_cursor: page.nextCursor === null ? null : String(page.nextCursor),
    });
  });

  v1.get('/incidents/:id', async (req, res) => {
    const id = String(req.params['id']);
    const incident = /^[0-9a-f-]{36}$/.test(id) ? await collector.incidents.get(id) : undefined;
    if (!incident) throw httpErrors.notFound('no such incident');
    res.json(incident);
  });

  v1.get('/deadletters', async (req, res) => {
    const q = parseQuery(
      pageQuery.fork(['rule'], (s) => s.forbidden()),
      req.query,
    );
    const page = await collector.deadLetters.scan({
      limit: q.limit,
      maxScan: 5_000,
      ...(q.cursor !== undefined && { before: Number(q.cursor) }),
    });
    res.json({
      dead_letters: page.items.map((i) => i.item),
      next_cursor: page.nextCursor === null ? null : String(page.nextCursor),
    });
  });

  v1.get('/rules', (_req, res) => {
    const rules = collector.rules.current();
    res.json({
      version: rules.version,
      loaded_at: rules.loadedAt,
      rules: rules.rules.map((r) => ({
        id: r.id,
        priority: r.priority,
        severity: r.severity,
        windowed: r.window !== undefined,
      })),
      webhooks: [...rules.webhooks.keys()],
      last_reload_error: collector.rules.lastError() ?? null,
    });
  });

  app.use('/v1', v1);
}
