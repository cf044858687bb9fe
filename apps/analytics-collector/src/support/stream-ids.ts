// Stream ids `<ms>-<seq>` with both parts unsigned 64-bit: compared as BigInt, not as numbers.

const MAX_PART = 2n ** 64n - 1n;

function parts(id: string): [bigint, bigint] {
  const dash = id.indexOf('-');
  return [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))];
}

/** Negative, zero or positive as stream id `a` comes before, equals or follows `b`. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/**
 * The id just before `id` (`0-0` for `0-0`), so that a read of the ids "above" it starts with
 * `id` itself.
 */
export function streamIdBefore(id: string): string {
  const [ms, seq] = parts(id);
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-${MAX_PART}`;
  return '0-0';
}
