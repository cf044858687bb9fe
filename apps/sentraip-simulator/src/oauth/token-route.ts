import express, { type Express, type Request, type Response } from 'express';
import type { Faults } from '../faults.js';
import { holdUntilClientLeaves, pause } from '../delay.js';
import type { SimStats, TokenOutcome } from '../sim-stats.js';
import { credentialsMatch, presentedClient } from './client-auth.js';
import type { TokenStore } from './token-store.js';

export const TOKEN_SCOPE = 'threat-intelligence';

export interface TokenRouteDeps {
  client: { id: string; secret: string };
  expiresInSeconds: number;
  tokens: TokenStore;
  faults: Faults;
  stats: SimStats;
}

/** RFC 6749 §5.2 error response; token responses are never cached (§5.1). */
function oauthError(
  res: Response,
  status: number,
  error: TokenOutcome,
  description: string,
  headers: Record<string, string> = {},
): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', ...headers });
  res.status(status).json({ error, error_description: description });
}

/**
 * `POST /oauth/token`: the client-credentials grant (RFC 6749 §4.4) with the client
 * authenticated by HTTP Basic or by the form body, and the `token_endpoint` fault knob.
 */
export function mountTokenRoute(app: Express, deps: TokenRouteDeps): void {
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 });
  app.post('/oauth/token', form, async (req: Request, res: Response) => {
    const { settings } = deps.faults;
    if (settings.latency_ms > 0) await pause(settings.latency_ms);
    if (settings.token_endpoint === 'hang') {
      deps.stats.tokenRequest('endpoint_hang');
      await holdUntilClientLeaves(req);
      if (!res.writableEnded && !req.socket.destroyed) {
        res.status(503).json({ error: 'temporarily_unavailable' });
      }
      return;
    }
    if (settings.token_endpoint === 'down') {
      deps.stats.tokenRequest('endpoint_down');
      oauthError(res, 500, 'endpoint_down', 'the token endpoint is down (simulated fault)');
      return;
    }
    const body: Record<string, unknown> = req.is('application/x-www-form-urlencoded')
      ? ((req.body ?? {}) as Record<string, unknown>)
      : {};
    const client = presentedClient(req.get('authorization'), body);
    if (client.kind === 'invalid') {
      deps.stats.tokenRequest('invalid_request');
      oauthError(res, 400, 'invalid_request', client.reason);
      return;
    }
    if (client.kind === 'none' || !credentialsMatch(client, deps.client)) {
      deps.stats.tokenRequest('invalid_client');
      const challenge: Record<string, string> =
        client.kind === 'credentials' && client.method === 'body'
          ? {}
          : { 'WWW-Authenticate': 'Basic realm="sentraip"' };
      oauthError(res, 401, 'invalid_client', 'client authentication failed', challenge);
      return;
    }
    if (body['grant_type'] === undefined) {
      deps.stats.tokenRequest('invalid_request');
      oauthError(res, 400, 'invalid_request', 'grant_type is required');
      return;
    }
    if (body['grant_type'] !== 'client_credentials') {
      deps.stats.tokenRequest('unsupported_grant_type');
      oauthError(res, 400, 'unsupported_grant_type', 'only client_credentials is supported');
      return;
    }
    const scope = typeof body['scope'] === 'string' ? body['scope'] : TOKEN_SCOPE;
    if (scope.split(' ').some((s) => s !== TOKEN_SCOPE)) {
      deps.stats.tokenRequest('invalid_scope');
      oauthError(res, 400, 'invalid_scope', `the only scope is ${TOKEN_SCOPE}`);
      return;
    }
    const token = deps.tokens.issue(client.id, deps.expiresInSeconds);
    deps.stats.tokenRequest('issued');
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    res.json({
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: deps.expiresInSeconds,
      scope: TOKEN_SCOPE,
    });
  });
}
