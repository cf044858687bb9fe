import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { httpErrors } from '@mcpgw/service-kit';
import type { ChatCaller } from '../chat/chat-types.js';
import { chatErrors } from '../errors.js';
import type { KeyVerifier } from './key-verifier.js';

/** Header by which a service-token caller (a trusted front end) names its end user. */
export const CHAT_USER_HEADER = 'x-chat-user';
/** What a named user may look like (it ends up in logs as a hash only, but keep it tame). */
export const CHAT_USER_PATTERN = /^[A-Za-z0-9_.@:+-]{1,128}$/;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const CREDENTIAL = /^[\x21-\x7e]{1,512}$/;

/** The caller of a request that passed {@link authenticateCaller}. */
export function callerOf(res: Response): ChatCaller {
  return res.locals['caller'] as ChatCaller;
}

/**
 * Who may chat: a gateway API key (`Authorization: Bearer` or `X-API-Key`), verified by the
 * gateway, is the user `key:<sha256 prefix>`; the service token (`CHAT_SERVICE_TOKEN`) with an
 * `X-Chat-User` header is the user `ext:<name>` — the service vouches for its users. Everything
 * else is 401. The key itself is never stored or logged, only its hash.
 */
export function authenticateCaller(deps: { serviceToken?: string; verifier: KeyVerifier }) {
  const serviceDigest = deps.serviceToken ? digest(deps.serviceToken) : undefined;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const credential = credentialOf(req);
      if (credential === undefined) throw chatErrors.unauthenticated();
      if (!CREDENTIAL.test(credential)) throw chatErrors.invalidCredentials();
      if (serviceDigest && timingSafeEqual(digest(credential), serviceDigest)) {
        const name = req.get(CHAT_USER_HEADER);
        if (!name || !CHAT_USER_PATTERN.test(name)) {
          throw httpErrors.badRequest(`service callers must name the end user in ${CHAT_USER_HEADER} (1-128 of A-Z a-z 0-9 _ . @ : + -)`);
        }
        res.locals['caller'] = { user: `ext:${name}`, kind: 'service' } satisfies ChatCaller;
      } else {
        const hash = await deps.verifier.verify(credential);
        res.locals['caller'] = { user: `key:${hash.slice(0, 32)}`, kind: 'api_key' } satisfies ChatCaller;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

function credentialOf(req: Request): string | undefined {
  const apiKey = req.get('x-api-key');
  if (apiKey !== undefined) return apiKey.trim();
  const authorization = req.get('authorization');
  if (authorization === undefined) return undefined;
  const match = /^Bearer +(\S*)\s*$/i.exec(authorization);
  return match?.[1] ?? '';
}
