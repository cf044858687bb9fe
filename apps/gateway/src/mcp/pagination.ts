import { rpcErrors } from './jsonrpc.js';

/** Opaque cursors: base64url of the next offset, so clients cannot depend on the format. */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): { page: T[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = typeof cursor === 'string' ? offsetOf(cursor) : undefined;
    if (decoded === undefined) throw rpcErrors.invalidParams('cursor: not a cursor this server issued');
    offset = decoded;
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length ? { page, nextCursor: Buffer.from(String(next), 'utf8').toString('base64url') } : { page };
}

/** The offset in a cursor this server issued: digits that encode back to the very same cursor. */
function offsetOf(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,15}$/.test(text) || Buffer.from(text, 'utf8').toString('base64url') !== cursor) return undefined;
  return Number(text);
}
