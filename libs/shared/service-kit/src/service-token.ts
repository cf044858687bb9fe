import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Guards an internal API with `Authorization: Bearer <service token>`. Without a configured
 * token every call is refused (fail closed). Comparison is constant-time over fixed-length digests.
 */
export function requireServiceToken(expected: string | undefined) {
  const expectedDigest = expected ? digest(expected) : undefined;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (!expectedDigest || !match?.[1] || !timingSafeEqual(digest(match[1]), expectedDigest)) {
      next(
        new HttpError(401, 'UNAUTHORIZED', 'a valid service token is required', {
          reason: expectedDigest ? 'bad_service_token' : 'service_token_not_configured',
          headers: { 'WWW-Authenticate': 'Bearer realm="internal"' },
        }),
      );
      return;
    }
    next();
  };
}
