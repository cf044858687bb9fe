import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eventually, type Stores } from './harness.js';

/** Pub/sub for cache invalidation between instances. */
export function describePubSubContract(stores: Stores): void {
  describe('pub/sub', () => {
    it('delivers a message published by one instance to another', async () => {
      const publisher = stores.open();
      const subscriber = stores.open();
      const received: string[] = [];
      const unsubscribe = await subscriber.subscribe('invalidate', (m) => received.push(m));
      expect(await publisher.publish('invalidate', 'apikey:1')).toBe(1);
      await eventually(() => expect(received).toEqual(['apikey:1']));
      await unsubscribe();
      expect(await publisher.publish('invalidate', 'apikey:2')).toBe(0);
      await sleep(30);
      expect(received).toEqual(['apikey:1']);
      await unsubscribe(); // idempotent
    });

    it('counts subscribed instances, not handlers, and isolates prefixes', async () => {
      const publisher = stores.open();
      const sub = stores.open();
      const foreign = stores.open(`${stores.prefix}foreign:`);
      const a: string[] = [];
      const b: string[] = [];
      const foreignSeen: string[] = [];
      await sub.subscribe('ch', (m) => a.push(m));
      const unsubscribeB = await sub.subscribe('ch', (m) => b.push(m));
      await foreign.subscribe('ch', (m) => foreignSeen.push(m));
      expect(await publisher.publish('ch', 'hi')).toBe(1);
      await eventually(() => {
        expect(a).toEqual(['hi']);
        expect(b).toEqual(['hi']);
      });
      await unsubscribeB();
      expect(await publisher.publish('ch', 'again')).toBe(1);
      await eventually(() => expect(a).toEqual(['hi', 'again']));
      expect(b).toEqual(['hi']);
      expect(foreignSeen).toEqual([]);
    });

    it('keeps delivering to other handlers when one throws', async () => {
      const store = stores.open();
      const seen: string[] = [];
      await store.subscribe('boom', () => {
        throw new Error('handler bug');
      });
      await store.subscribe('boom', (m) => seen.push(m));
      await store.publish('boom', 'x');
      await eventually(() => expect(seen).toEqual(['x']));
    });
  });
}
