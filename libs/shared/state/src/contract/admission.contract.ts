import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, StateStore } from '../state-store.js';
import { expectStoreError, PAST_SHORT_TTL_MS, SHORT_TTL_MS, type Stores } from './harness.js';

const ID = /^\d+-\d+$/;
const never = { refillPerSecond: 0 };

/** Buckets and quotas a store has not written (a missing bucket is a full one). */
async function expectUntouched(store: StateStore, keys: string[]): Promise<void> {
  for (const key of keys) expect(await store.ttlMs(key)).toBeNull();
}

/** admit: one atomic, all-or-nothing admission over buckets, quotas and an audit append. */
export function describeAdmissionContract(stores: Stores): void {
  describe('admission', () => {
    it('takes from every bucket and quota and appends once when all have room', async () => {
      const store = stores.open();
      const result = await store.admit({
        buckets: [
          { key: 'b1', capacity: 5, ...never },
          { key: 'b2', capacity: 10, refillPerSecond: 1, cost: 3 },
        ],
        quotas: [
          { key: 'q1', limit: 3, windowTtlMs: 60_000 },
          { key: 'q2', limit: 100, windowTtlMs: 120_000, cost: 10 },
        ],
        append: { stream: 'audit', fields: { event: 'call', tool: 't' } },
      });
      expect(result).toMatchObject({ allowed: true });
      expect(result.refusedBy).toBeUndefined();
      expect(result.buckets).toEqual([
        { allowed: true, remaining: 4, retryAfterMs: 0, resetMs: Infinity },
        { allowed: true, remaining: 7, retryAfterMs: 0, resetMs: 3_000 },
      ]);
      expect(result.quotas.map((q) => [q.used, q.allowed])).toEqual([
        [1, true],
        [10, true],
      ]);
      expect(result.quotas[0]?.resetMs).toBeGreaterThan(50_000);
      expect(result.quotas[0]?.resetMs).toBeLessThanOrEqual(60_000);
      expect(result.quotas[1]?.resetMs).toBeGreaterThan(110_000);
      expect(result.appendedId).toMatch(ID);
      expect(await store.get('q1')).toBe('1');
      expect(await store.get('q2')).toBe('10');
      expect(await store.streamLength('audit')).toBe(1);
      await store.streamEnsureGroup('audit', 'g');
      const [entry] = await store.streamReadGroup('audit', 'g', 'c');
      expect(entry).toEqual({ id: result.appendedId, fields: { event: 'call', tool: 't' } });
      // The buckets are the same hashes takeTokens uses.
      expect(await store.takeTokens('b1', { capacity: 5, ...never })).toMatchObject({
        remaining: 3,
      });
    });

    it('gives the numbers takeTokens gives for the same bucket history', async () => {
      const store = stores.open();
      const bucket = { capacity: 5, ...never, cost: 2 };
      for (let i = 0; i < 4; i++) {
        const viaAdmit = await store.admit({ buckets: [{ key: 'a', ...bucket }] });
        const viaTake = await store.takeTokens('t', bucket);
        expect(viaAdmit.buckets).toEqual([viaTake]);
        expect(viaAdmit.allowed).toBe(viaTake.allowed);
      }
    });

    it('takes nothing from any bucket when one of three is exhausted', async () => {
      const store = stores.open();
      await store.takeTokens('b2', { capacity: 1, ...never });
      const result = await store.admit({
        buckets: [
          { key: 'b1', capacity: 4, refillPerSecond: 1 },
          { key: 'b2', capacity: 1, ...never },
          { key: 'b3', capacity: 4, ...never },
        ],
        quotas: [{ key: 'q', limit: 10, windowTtlMs: 60_000 }],
        append: { stream: 'audit', fields: { a: '1' } },
      });
      expect(result.allowed).toBe(false);
      expect(result.refusedBy).toEqual({ kind: 'bucket', index: 1 });
      expect(result.appendedId).toBeUndefined();
      expect(result.buckets).toEqual([
        { allowed: true, remaining: 4, retryAfterMs: 0, resetMs: 0 },
        { allowed: false, remaining: 0, retryAfterMs: Infinity, resetMs: Infinity },
        { allowed: true, remaining: 4, retryAfterMs: 0, resetMs: 0 },
      ]);
      expect(result.quotas).toEqual([{ used: 0, allowed: true, resetMs: 0 }]);
      await expectUntouched(store, ['b1', 'b3', 'q']);
      expect(await store.streamLength('audit')).toBe(0);
    });

    it('takes nothing when a quota is full, and names the first refusing item', async () => {
      const store = stores.open();
      const request: AdmissionRequest = {
        buckets: [{ key: 'b', capacity: 10, ...never }],
        quotas: [
          { key: 'big', limit: 100, windowTtlMs: 60_000 },
          { key: 'day', limit: 2, windowTtlMs: 60_000 },
        ],
        append: { stream: 'audit', fields: { a: '1' } },
      };
      expect((await store.admit(request)).allowed).toBe(true);
      expect((await store.admit(request)).allowed).toBe(true);
      const refused = await store.admit(request);
      expect(refused).toMatchObject({ allowed: false, refusedBy: { kind: 'quota', index: 1 } });
      expect(refused.buckets).toEqual([
        { allowed: true, remaining: 8, retryAfterMs: 0, resetMs: Infinity },
      ]);
      expect(refused.quotas.map((q) => [q.used, q.allowed])).toEqual([
        [2, true],
        [2, false],
      ]);
      expect(refused.quotas[1]?.resetMs).toBeGreaterThan(0);
      expect(await store.get('big')).toBe('2');
      expect(await store.get('day')).toBe('2');
      expect(await store.streamLength('audit')).toBe(2);
      expect(await store.takeTokens('b', { capacity: 10, ...never, cost: 0 })).toMatchObject({
        remaining: 8,
      });
      // A bucket refusal is named before a quota refusal.
      await store.takeTokens('empty', { capacity: 1, ...never });
      const both = await store.admit({
        ...request,
        buckets: [...request.buckets, { key: 'empty', capacity: 1, ...never }],
      });
      expect(both.refusedBy).toEqual({ kind: 'bucket', index: 1 });
    });

    it('never over-admits: 200 concurrent admits on capacity 50 → exactly 50 and 50 entries', async () => {
      const store = stores.open();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.admit({
            buckets: [{ key: 'hot', capacity: 50, ...never }],
            append: { stream: 'audit', fields: { i: String(i) } },
          }),
        ),
      );
      const allowed = results.filter((r) => r.allowed);
      expect(allowed).toHaveLength(50);
      expect(new Set(allowed.map((r) => r.appendedId)).size).toBe(50);
      expect(await store.streamLength('audit')).toBe(50);
    });

    it('never over-admits across two store instances, quotas included', async () => {
      const a = stores.open();
      const b = stores.open();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 === 0 ? a : b).admit({
            buckets: [{ key: 'shared', capacity: 50, ...never }],
            quotas: [{ key: 'quota', limit: 30, windowTtlMs: 60_000 }],
            append: { stream: 'audit', fields: { i: String(i) } },
          }),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(30);
      expect(await a.get('quota')).toBe('30');
      expect(await b.streamLength('audit')).toBe(30);
      expect(await a.takeTokens('shared', { capacity: 50, ...never, cost: 0 })).toMatchObject({
        remaining: 20,
      });
    });

    it('refills buckets over time and tells when to retry', async () => {
      const store = stores.open();
      // One token per 500 ms: the three admits below must land within that window.
      const request = { buckets: [{ key: 'r', capacity: 2, refillPerSecond: 2 }] };
      await store.admit(request);
      await store.admit(request);
      const denied = await store.admit(request);
      expect(denied.allowed).toBe(false);
      const [bucket] = denied.buckets;
      expect(bucket?.retryAfterMs).toBeGreaterThan(0);
      expect(bucket?.retryAfterMs).toBeLessThanOrEqual(500);
      await sleep((bucket?.retryAfterMs ?? 500) + 20);
      expect((await store.admit(request)).allowed).toBe(true);
    });

    it('sets the quota window TTL only when it creates the counter', async () => {
      const store = stores.open();
      const quota = (windowTtlMs: number) => ({
        buckets: [],
        quotas: [{ key: 'w', limit: 10, windowTtlMs }],
      });
      const first = await store.admit(quota(SHORT_TTL_MS));
      expect(first.quotas[0]?.resetMs).toBeLessThanOrEqual(SHORT_TTL_MS);
      const second = await store.admit(quota(60_000));
      expect(second.quotas[0]).toMatchObject({ used: 2, allowed: true });
      expect(second.quotas[0]?.resetMs).toBeLessThanOrEqual(SHORT_TTL_MS);
      expect(await store.ttlMs('w')).toBeLessThanOrEqual(SHORT_TTL_MS);
      await sleep(PAST_SHORT_TTL_MS);
      expect((await store.admit(quota(60_000))).quotas[0]?.used).toBe(1);
      expect(await store.ttlMs('w')).toBeGreaterThan(SHORT_TTL_MS);
      // A counter made without TTL keeps none.
      await store.incrBy('plain', 4);
      const plain = await store.admit({
        buckets: [],
        quotas: [{ key: 'plain', limit: 10, windowTtlMs: 1_000 }],
      });
      expect(plain.quotas).toEqual([{ used: 5, allowed: true, resetMs: Infinity }]);
      expect(await store.ttlMs('plain')).toBe(Infinity);
    });

    it('a quota cost of 0 creates nothing; a limit of 0 refuses', async () => {
      const store = stores.open();
      const free = await store.admit({
        buckets: [],
        quotas: [{ key: 'z', limit: 0, windowTtlMs: 1_000, cost: 0 }],
      });
      expect(free).toMatchObject({
        allowed: true,
        quotas: [{ used: 0, allowed: true, resetMs: 0 }],
      });
      expect(await store.ttlMs('z')).toBeNull();
      const refused = await store.admit({
        buckets: [],
        quotas: [{ key: 'z', limit: 0, windowTtlMs: 1_000 }],
      });
      expect(refused).toMatchObject({ allowed: false, refusedBy: { kind: 'quota', index: 0 } });
    });

    it('allows an empty admission, appending its entry, and trims the stream', async () => {
      const store = stores.open();
      expect(await store.admit({ buckets: [] })).toEqual({
        allowed: true,
        buckets: [],
        quotas: [],
      });
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) {
        const result = await store.admit({
          buckets: [],
          append: { stream: 'capped', fields: { i: String(i) }, maxLenApprox: 10 },
        });
        ids.push(result.appendedId ?? '');
      }
      expect(ids.every((id) => ID.test(id))).toBe(true);
      const length = await store.streamLength('capped');
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThan(300);
    });

    it('rejects invalid input before writing anything', async () => {
      const store = stores.open();
      const ok = { key: 'ok', capacity: 1, ...never };
      const bad: AdmissionRequest[] = [
        { buckets: [ok, { key: '', capacity: 1, ...never }] },
        { buckets: [ok, { key: 'x', capacity: Number.NaN, ...never }] },
        { buckets: [ok, { key: 'x', capacity: 1, refillPerSecond: Infinity }] },
        { buckets: [ok, { key: 'x', capacity: 1, ...never, cost: -1 }] },
        { buckets: [ok, ok] },
        { buckets: [ok], quotas: [{ key: 'ok', limit: 1, windowTtlMs: 1_000 }] },
        { buckets: [ok], quotas: [{ key: 'q', limit: -1, windowTtlMs: 1_000 }] },
        { buckets: [ok], quotas: [{ key: 'q', limit: 1.5, windowTtlMs: 1_000 }] },
        { buckets: [ok], quotas: [{ key: 'q', limit: 1, windowTtlMs: 0 }] },
        { buckets: [ok], quotas: [{ key: 'q', limit: 1, windowTtlMs: 1_000, cost: 0.5 }] },
        { buckets: [ok], quotas: [{ key: '', limit: 1, windowTtlMs: 1_000 }] },
        { buckets: [ok], append: { stream: 's', fields: {} } },
        { buckets: [ok], append: { stream: '', fields: { a: '1' } } },
        { buckets: [ok], append: { stream: 'ok', fields: { a: '1' } } },
        { buckets: [ok], append: { stream: 's', fields: { a: '1' }, maxLenApprox: 0 } },
      ];
      for (const request of bad)
        await expectStoreError(store.admit(request), 'STORE_ERROR', 'invalid_argument');
      await expectUntouched(store, ['ok', 'x', 'q', 's']);
    });

    it('fails on keys of the wrong kind without writing anything', async () => {
      const store = stores.open();
      await store.set('str', 'v');
      await store.set('nan', 'abc');
      await store.hashIncrBy('hash', 'f', 1);
      const ok = { key: 'ok', capacity: 5, ...never };
      const quota = (key: string) => ({ key, limit: 10, windowTtlMs: 60_000 });
      const cases: Array<[AdmissionRequest, string]> = [
        [{ buckets: [ok, { key: 'str', capacity: 1, ...never }] }, 'wrong_type'],
        [{ buckets: [ok], quotas: [quota('q'), quota('hash')] }, 'wrong_type'],
        [{ buckets: [ok], quotas: [quota('q'), quota('nan')] }, 'not_integer'],
        [
          { buckets: [ok], quotas: [quota('q')], append: { stream: 'str', fields: { a: '1' } } },
          'wrong_type',
        ],
      ];
      for (const [request, reason] of cases)
        await expectStoreError(store.admit(request), 'STORE_ERROR', reason);
      await expectUntouched(store, ['ok', 'q']);
    });
  });
}
