import type { Express, NextFunction, Request, Response } from 'express';
import { requireServiceToken } from '@mcpgw/service-kit';
import { CHAT_USER_HEADER, CHAT_USER_PATTERN } from '../auth/caller-auth.js';
import { grantFromBaggage, type ContextGrants } from '../history/context-grants.js';
import type { ConversationStore } from '../history/conversation-store.js';
import type { ChatMetrics } from '../metrics.js';
import { validateSearchQuery } from './validation.js';

export interface ContextRoutesDeps {
  serviceToken?: string;
  grants: ContextGrants;
  conversations: ConversationStore;
  metrics: ChatMetrics;
}

/**
 * The user a search is for, strongest evidence first: a context grant in the W3C baggage (the
 * chat exchange that made the gateway call), then an `X-Chat-User` name vouched for by the
 * service token; with neither, nobody — the search returns nothing rather than anyone's history.
 */
async function scopeOf(req: Request, grants: ContextGrants): Promise<{ user?: string; scope: 'grant' | 'header' | 'none' }> {
  const grant = grantFromBaggage(req.headers['baggage']);
  if (grant) {
    const user = await grants.resolve(grant);
    if (user) return { user, scope: 'grant' };
  }
  const named = req.get(CHAT_USER_HEADER);
  if (named && CHAT_USER_PATTERN.test(named)) return { user: `ext:${named}`, scope: 'header' };
  return { scope: 'none' };
}

/**
 * `GET /v1/context/search?q=&limit=` for the gateway's `claude_context_search` tool (service
 * token only): a bare JSON array `[{ conversation_id, snippet, score, timestamp }]`, the best
 * passage of each of the user's conversations ranked by BM25, most relevant first.
 */
export function mountContextRoutes(app: Express, deps: ContextRoutesDeps): void {
  app.get('/v1/context/search', requireServiceToken(deps.serviceToken), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const query = validateSearchQuery(req.query);
      const { user, scope } = await scopeOf(req, deps.grants);
      deps.metrics.contextSearches.inc({ scope });
      res.json(user ? await deps.conversations.search(user, query.q, query.limit) : []);
    } catch (err) {
      next(err);
    }
  });
}
