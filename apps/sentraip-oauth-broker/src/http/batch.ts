import { InvalidTargetError } from '../errors.js';
import { parseTarget, type ThreatTarget } from '../targets/parse-target.js';

/** Most targets one batch may carry. */
export const BATCH_MAX = 100;

/**
 * Validates `POST /v1/threat/batch` bodies: `{ targets: [{ type, target }, ...] }` with 1 to
 * {@link BATCH_MAX} items and no other fields. Returns the canonical targets in order, or every
 * problem found (each naming its field, e.g. `targets[3].target`).
 */
export function parseBatch(
  body: unknown,
): { ok: true; targets: ThreatTarget[] } | { ok: false; errors: InvalidTargetError[] } {
  const fail = (field: string, message: string) => ({
    ok: false as const,
    errors: [new InvalidTargetError(field, message)],
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail('(root)', 'body must be a JSON object');
  const extra = Object.keys(body).find((key) => key !== 'targets');
  if (extra !== undefined) return fail(extra, `${extra} is not allowed`);
  const items: unknown = (body as { targets?: unknown }).targets;
  if (!Array.isArray(items)) return fail('targets', 'targets must be an array');
  if (items.length === 0) return fail('targets', 'targets must contain at least 1 item');
  if (items.length > BATCH_MAX)
    return fail('targets', `targets must contain at most ${BATCH_MAX} items`);
  const targets: ThreatTarget[] = [];
  const errors: InvalidTargetError[] = [];
  items.forEach((item: unknown, index) => {
    const field = `targets[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push(new InvalidTargetError(field, `${field} must be an object with type and target`));
      return;
    }
    const unknownKey = Object.keys(item).find((key) => key !== 'type' && key !== 'target');
    if (unknownKey !== undefined) {
      errors.push(new InvalidTargetError(`${field}.${unknownKey}`, `${unknownKey} is not allowed`));
      return;
    }
    const { type, target } = item as { type?: unknown; target?: unknown };
    try {
      targets.push(parseTarget(type, target, field));
    } catch (err) {
      if (!(err instanceof InvalidTargetError)) throw err;
      errors.push(err);
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, targets };
}
