/** A parsed stream id `<ms>-<seq>`, for the memory store's ordering. */
export interface StreamId {
  ms: number;
  seq: number;
}

/** The id before every entry (`0-0`). */
export const ZERO: StreamId = { ms: 0, seq: 0 };

/** Negative, zero or positive as `a` comes before, equals or follows `b`. */
export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms - b.ms || a.seq - b.seq;
}

/** The parsed id, or undefined when `id` is not `<ms>-<seq>` (callers validate first). */
export function parseStreamId(id: string): StreamId | undefined {
  const [ms, seq] = id.split('-').map(Number);
  if (ms === undefined || seq === undefined || !Number.isFinite(ms) || !Number.isFinite(seq))
    return undefined;
  return { ms, seq };
}
