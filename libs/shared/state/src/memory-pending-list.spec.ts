import { describe, expect, it } from 'vitest';
import { PendingList } from './memory-pending-list.js';
import type { StreamId } from './memory-stream-id.js';

const sid = (seq: number): StreamId => ({ ms: 1000, seq });
const idOf = (seq: number) => `1000-${seq}`;

function listOf(...seqs: number[]): PendingList {
  const list = new PendingList();
  for (const seq of seqs) list.add(idOf(seq), sid(seq), 'c1', 5);
  return list;
}

const ids = (list: PendingList) => [...list.values()].map((e) => e.id);

describe('PendingList', () => {
  it('keeps entries in id order, delivered once to their consumer', () => {
    const list = listOf(1, 2, 5);
    expect(ids(list)).toEqual(['1000-1', '1000-2', '1000-5']);
    expect(list.size).toBe(3);
    expect(list.get(sid(2))).toMatchObject({ consumer: 'c1', deliveredAt: 5, deliveries: 1 });
    expect(list.get(sid(3))).toBeUndefined();
    expect(list.first()?.id).toBe('1000-1');
  });

  it('refuses an id that is not above the last one', () => {
    const list = listOf(1, 2);
    expect(() => list.add(idOf(2), sid(2), 'c1', 5)).toThrow(RangeError);
    expect(() => list.add('999-9', { ms: 999, seq: 9 }, 'c1', 5)).toThrow(RangeError);
    expect(list.size).toBe(2);
  });

  it('deletes from the front, the middle and the end, once each', () => {
    const list = listOf(1, 2, 3, 4);
    expect(list.delete(sid(1))).toBe(true);
    expect(list.delete(sid(1))).toBe(false);
    expect(list.first()?.id).toBe('1000-2');
    expect(list.delete(sid(3))).toBe(true);
    expect(list.get(sid(3))).toBeUndefined();
    expect(list.delete(sid(4))).toBe(true);
    expect(list.delete(sid(9))).toBe(false);
    expect(ids(list)).toEqual(['1000-2']);
    expect(list.size).toBe(1);
    expect(list.delete(sid(2))).toBe(true);
    expect(list.first()).toBeUndefined();
    expect(list.size).toBe(0);
  });

  it('updates a claimed entry in place, keeping its place in the order', () => {
    const list = listOf(1, 2, 3);
    const entry = list.get(sid(2));
    if (!entry) throw new Error('missing');
    entry.consumer = 'c2';
    entry.deliveries += 1;
    expect([...list.values()].map((e) => `${e.id}:${e.consumer}:${e.deliveries}`)).toEqual([
      '1000-1:c1:1',
      '1000-2:c2:2',
      '1000-3:c1:1',
    ]);
  });

  it('allows deleting while iterating', () => {
    const list = listOf(1, 2, 3, 4, 5);
    const seen: string[] = [];
    for (const entry of list.values()) {
      seen.push(entry.id);
      list.delete(entry.sid);
    }
    expect(seen).toEqual(['1000-1', '1000-2', '1000-3', '1000-4', '1000-5']);
    expect(list.size).toBe(0);
  });

  it('stays correct through compactions, with one old entry left pending at the head', () => {
    // The outbox pattern: deliveries and in-order acks, one entry never acknowledged (a dead
    // consumer's) that keeps the head from moving; holes build up behind it and are compacted away.
    const list = new PendingList();
    list.add(idOf(0), sid(0), 'dead', 1);
    const live = new Set<number>();
    for (let seq = 1; seq <= 5000; seq += 1) {
      list.add(idOf(seq), sid(seq), 'c1', 2);
      live.add(seq);
      if (seq % 10 === 0) {
        for (const old of [...live].slice(0, 9)) {
          expect(list.delete(sid(old))).toBe(true);
          live.delete(old);
        }
      }
    }
    expect(list.first()?.id).toBe('1000-0');
    expect(list.size).toBe(live.size + 1);
    expect(ids(list)).toEqual(['1000-0', ...[...live].map(idOf)]);
    for (const seq of live) expect(list.get(sid(seq))?.id).toBe(idOf(seq));
    // Compaction bounds what the acknowledged entries hold: no more slots than twice the live ones.
    const slots = (list as unknown as { slots: unknown[] }).slots.length;
    expect(slots).toBeLessThanOrEqual(2 * list.size + 64);
  });
});
