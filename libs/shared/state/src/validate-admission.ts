import { invalidArgument } from './errors.js';
import type { AdmissionRequest, StreamAppendOptions, TokenBucketOptions } from './state-store.js';
import { checkBucket, checkCount, checkFields, checkTtl } from './validate.js';

/** A bucket of an admission, validated, default cost filled in. */
export interface CheckedBucket extends Required<TokenBucketOptions> {
  key: string;
}

/** A quota of an admission, validated, default cost filled in. */
export interface CheckedQuota {
  key: string;
  limit: number;
  windowTtlMs: number;
  cost: number;
}

/** An {@link AdmissionRequest} both stores can run without further checks. */
export interface CheckedAdmission {
  buckets: CheckedBucket[];
  quotas: CheckedQuota[];
  append:
    { stream: string; fields: Array<[string, string]>; maxLen: number | undefined } | undefined;
}

function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key === '')
    throw invalidArgument(`${what} must be a non-empty string`);
  return key;
}

function checkWhole(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalidArgument(`${name} must be an integer ≥ 0, got ${value}`);
  return value;
}

/** `maxLenApprox` of a stream append, or undefined when absent. */
export function checkMaxLen(options: StreamAppendOptions): number | undefined {
  return options.maxLenApprox === undefined
    ? undefined
    : checkCount(options.maxLenApprox, 1, 'maxLenApprox');
}

/**
 * Validates an admission up front, so both stores reject bad input the same way and before
 * anything is written. Keys must be distinct: the Lua script reads every key before writing any,
 * so a key listed twice would be taken from once.
 */
export function checkAdmission(request: AdmissionRequest): CheckedAdmission {
  if (!Array.isArray(request.buckets)) throw invalidArgument('buckets must be an array');
  const buckets = request.buckets.map((bucket, i) => ({
    key: checkKey(bucket.key, `buckets[${i}].key`),
    ...checkBucket(bucket),
  }));
  const quotas = (request.quotas ?? []).map((quota, i) => ({
    key: checkKey(quota.key, `quotas[${i}].key`),
    limit: checkWhole(quota.limit, `quotas[${i}].limit`),
    windowTtlMs: checkTtl(quota.windowTtlMs, `quotas[${i}].windowTtlMs`),
    cost: checkWhole(quota.cost ?? 1, `quotas[${i}].cost`),
  }));
  const append =
    request.append === undefined
      ? undefined
      : {
          stream: checkKey(request.append.stream, 'append.stream'),
          fields: checkFields(request.append.fields),
          maxLen: checkMaxLen(request.append),
        };
  const keys = [...buckets.map((b) => b.key), ...quotas.map((q) => q.key)];
  if (append) keys.push(append.stream);
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) throw invalidArgument(`key "${key}" appears twice in one admission`);
    seen.add(key);
  }
  return { buckets, quotas, append };
}
