import { HttpError } from '@mcpgw/service-kit';
import { InvalidTargetError } from '../errors.js';

/** 400 `BRK_ERR_INVALID_TARGET` naming every problem (field and message) in `details`. */
export function invalidTargets(errors: readonly InvalidTargetError[]): HttpError {
  const first = errors[0];
  // Single lookups name the field in the message itself ("target is ..."); batch items need the path.
  const message = !first
    ? 'invalid request'
    : first.message.startsWith(first.field)
      ? first.message
      : `${first.field}: ${first.message}`;
  return new HttpError(400, 'BRK_ERR_INVALID_TARGET', message, {
    reason: 'invalid_target',
    details: errors.map((e) => ({ field: e.field, message: e.message })),
  });
}

/** Maps a route's InvalidTargetError to its 400; anything else passes unchanged to the error handler. */
export function toRouteError(err: unknown): unknown {
  return err instanceof InvalidTargetError ? invalidTargets([err]) : err;
}
