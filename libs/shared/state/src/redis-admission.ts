import type { AdmissionResult, TokenBucketResult } from './state-store.js';
import type { CheckedAdmission } from './validate-admission.js';

/** KEYS and ARGV of the `ADMIT` script for a validated admission (keys with the store prefix). */
export function admitScriptArgs(
  request: CheckedAdmission,
  prefix: string,
): { keys: string[]; args: Array<string | number> } {
  const keys = [...request.buckets, ...request.quotas].map((item) => prefix + item.key);
  const args: Array<string | number> = [
    request.buckets.length,
    request.quotas.length,
    request.append ? 1 : 0,
    request.append?.maxLen ?? 0,
  ];
  for (const b of request.buckets) args.push(b.capacity, b.refillPerSecond, b.cost);
  for (const q of request.quotas) args.push(q.limit, q.windowTtlMs, q.cost);
  if (request.append) {
    keys.push(prefix + request.append.stream);
    args.push(...request.append.fields.flat());
  }
  return { keys, args };
}

const never = (n: number): number => (n < 0 ? Infinity : n);

/** Turns the `ADMIT` reply into an {@link AdmissionResult}. */
export function parseAdmitReply(reply: unknown, request: CheckedAdmission): AdmissionResult {
  if (!Array.isArray(reply)) throw new TypeError('ADMIT replied with a non-array');
  const [allowed, refusedKind, refusedIndex, id] = reply as [number, number, number, string];
  const numbers = reply.slice(4).map(Number);
  const buckets = request.buckets.map((_, i): TokenBucketResult => {
    const [ok = 0, remaining = 0, retry = -1, reset = -1] = numbers.slice(i * 4, i * 4 + 4);
    return { allowed: ok === 1, remaining, retryAfterMs: never(retry), resetMs: never(reset) };
  });
  const offset = request.buckets.length * 4;
  const quotas = request.quotas.map((_, j) => {
    const [used = 0, room = 0, reset = 0] = numbers.slice(offset + j * 3, offset + j * 3 + 3);
    return { used, allowed: room === 1, resetMs: never(reset) };
  });
  const result: AdmissionResult = { allowed: Number(allowed) === 1, buckets, quotas };
  if (!result.allowed) {
    result.refusedBy = {
      kind: Number(refusedKind) === 1 ? 'bucket' : 'quota',
      index: Number(refusedIndex),
    };
  }
  if (result.allowed && request.append) result.appendedId = String(id);
  return result;
}

/** ARGV of the `STREAM_APPEND_MANY` script: maxLen (0 = none), then each entry's count and pairs. */
export function appendManyArgs(
  entries: ReadonlyArray<Array<[string, string]>>,
  maxLen: number | undefined,
): Array<string | number> {
  const args: Array<string | number> = [maxLen ?? 0];
  for (const pairs of entries) args.push(pairs.length, ...pairs.flat());
  return args;
}
