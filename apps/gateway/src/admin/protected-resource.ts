import type { Express, Request, Response } from 'express';
import type { GatewayFileConfig } from '../gateway-config/schema.js';

/**
 * RFC 9728 protected-resource metadata, which every 401's `WWW-Authenticate` points at: the
 * resource identifier clients must request tokens for (RFC 8707) and the authorization servers.
 */
export function mountProtectedResourceMetadata(app: Express, file: GatewayFileConfig): void {
  const handler = (req: Request, res: Response) => {
    const host = req.get('host') ?? 'localhost';
    const resource = file.auth.resource ?? `${req.protocol}://${/^[A-Za-z0-9.:[\]-]{1,260}$/.test(host) ? host : 'localhost'}/mcp`;
    res.set('Cache-Control', 'public, max-age=300').json({
      resource,
      authorization_servers: file.auth.authorizationServers.length
        ? file.auth.authorizationServers
        : file.auth.jwt
          ? [file.auth.jwt.issuer]
          : [],
      bearer_methods_supported: ['header'],
      resource_name: 'MCP secure gateway',
    });
  };
  app.get('/.well-known/oauth-protected-resource', handler);
  app.get('/.well-known/oauth-protected-resource/mcp', handler);
}
