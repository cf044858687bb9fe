import { createHash, timingSafeEqual } from 'node:crypto';

/** Client credentials as presented, and how. */
export type PresentedClient =
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'credentials'; method: 'basic' | 'body'; id: string; secret: string };

/** RFC 6749 §2.3.1: the Basic user and password are form-urlencoded before base64. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Reads client credentials from `Authorization: Basic` or from the form body
 * (`client_id`/`client_secret`). Using both at once is an `invalid_request` (RFC 6749 §2.3).
 */
export function presentedClient(
  authorization: string | undefined,
  body: Record<string, unknown>,
): PresentedClient {
  const bodyId = typeof body['client_id'] === 'string' ? body['client_id'] : undefined;
  const bodySecret = typeof body['client_secret'] === 'string' ? body['client_secret'] : undefined;
  const basic = authorization ? /^Basic ([A-Za-z0-9+/=]{1,2048})$/i.exec(authorization) : null;
  if (authorization && !basic)
    return { kind: 'invalid', reason: 'unsupported authorization scheme' };
  if (basic && (bodyId !== undefined || bodySecret !== undefined)) {
    return { kind: 'invalid', reason: 'more than one client authentication method' };
  }
  if (basic) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'invalid', reason: 'malformed Basic credentials' };
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (id === undefined || secret === undefined) {
      return { kind: 'invalid', reason: 'malformed Basic credentials' };
    }
    return { kind: 'credentials', method: 'basic', id, secret };
  }
  if (bodyId !== undefined && bodySecret !== undefined) {
    return { kind: 'credentials', method: 'body', id: bodyId, secret: bodySecret };
  }
  return { kind: 'none' };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time check of presented credentials against the configured client. */
export function credentialsMatch(
  presented: { id: string; secret: string },
  expected: { id: string; secret: string },
): boolean {
  const idOk = timingSafeEqual(digest(presented.id), digest(expected.id));
  const secretOk = timingSafeEqual(digest(presented.secret), digest(expected.secret));
  return idOk && secretOk;
}
