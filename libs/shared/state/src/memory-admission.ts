import { decimal } from './decimal.js';
import { StoreError } from './errors.js';
import type { MemoryKeyspace } from './memory-keyspace.js';
import { MemoryStream } from './memory-stream.js';
import { readBucket, writeBucket } from './memory-bucket.js';
import type { AdmissionQuotaResult, AdmissionResult } from './state-store.js';
import { takeFromBucket } from './token-bucket.js';
import type { CheckedAdmission } from './validate-admission.js';

function counterValue(raw: string | undefined): number {
  if (raw === undefined) return 0;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new StoreError('not_integer', 'ERR value is not an integer or out of range');
  return Number(raw);
}

const resetOf = (ttl: number | undefined): number => ttl ?? 0;

/**
 * The memory twin of the `ADMIT` Lua script. Runs without awaiting, so no other store call can
 * interleave (the event loop is the lock). Every key is read, and every type error raised,
 * before anything is written: a refused or failed admission changes nothing. `prefix` is the
 * store's key prefix.
 */
export function admitInMemory(
  keys: MemoryKeyspace,
  prefix: string,
  request: CheckedAdmission,
): AdmissionResult {
  const now = keys.now();
  const buckets = request.buckets.map((bucket) => {
    const state = readBucket(keys, prefix + bucket.key);
    return { key: prefix + bucket.key, state, step: takeFromBucket(state, now, bucket), bucket };
  });
  const quotas = request.quotas.map((quota) => {
    const key = prefix + quota.key;
    const raw = keys.string(key);
    const current = counterValue(raw);
    const exists = raw !== undefined;
    return { key, quota, current, exists, room: current + quota.cost <= quota.limit };
  });
  const streamKey = request.append && prefix + request.append.stream;
  const existingStream = streamKey === undefined ? undefined : keys.stream(streamKey);

  const bucketRefused = buckets.findIndex((b) => !b.step.result.allowed);
  const quotaRefused = quotas.findIndex((q) => !q.room);
  if (bucketRefused >= 0 || quotaRefused >= 0) {
    return {
      allowed: false,
      // A bucket that had room is reported untouched: the same step with nothing taken.
      buckets: buckets.map(({ state, step, bucket }) =>
        step.result.allowed
          ? takeFromBucket(state, now, { ...bucket, cost: 0 }).result
          : step.result,
      ),
      quotas: quotas.map(({ key, current, room }): AdmissionQuotaResult => ({
        used: current,
        allowed: room,
        resetMs: resetOf(keys.ttl(key)),
      })),
      refusedBy:
        bucketRefused >= 0
          ? { kind: 'bucket', index: bucketRefused }
          : { kind: 'quota', index: quotaRefused },
    };
  }

  for (const { key, step } of buckets) writeBucket(keys, key, step);
  const quotaResults = quotas.map(({ key, quota, current, exists }): AdmissionQuotaResult => {
    const used = current + quota.cost;
    if (quota.cost > 0) {
      if (exists) keys.replaceString(key, decimal(used));
      else keys.put(key, { kind: 'string', value: decimal(used) }, quota.windowTtlMs);
    }
    return { used, allowed: true, resetMs: resetOf(keys.ttl(key)) };
  });
  const result: AdmissionResult = {
    allowed: true,
    buckets: buckets.map((b) => b.step.result),
    quotas: quotaResults,
  };
  if (request.append && streamKey !== undefined) {
    let stream = existingStream;
    if (!stream) {
      stream = new MemoryStream();
      keys.put(streamKey, { kind: 'stream', stream }, undefined);
    }
    const { fields, maxLen } = request.append;
    result.appendedId = stream.append(Object.fromEntries(fields), now, maxLen);
  }
  return result;
}
