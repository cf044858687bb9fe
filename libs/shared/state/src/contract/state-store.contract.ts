import { describe } from 'vitest';
import { useStores, type StoreFactory } from './harness.js';
import { describeKeyValueContract } from './kv.contract.js';
import { describeLockContract } from './lock.contract.js';
import { describePubSubContract } from './pubsub.contract.js';
import { describeStreamContract } from './stream.contract.js';
import { describeTokenBucketContract } from './token-bucket.contract.js';

export type { StoreFactory } from './harness.js';

/**
 * The one behavioural contract of `StateStore`, run against every implementation. `factory`
 * creates store instances sharing one backend (it is called inside tests, after `beforeAll`) (think: processes sharing one Redis); each test
 * gets a fresh key prefix, so suites can share a server.
 */
export function describeStateStoreContract(name: string, factory: StoreFactory): void {
  describe(`StateStore contract: ${name}`, () => {
    const stores = useStores(factory);
    describeKeyValueContract(stores);
    describeTokenBucketContract(stores);
    describeLockContract(stores);
    describeStreamContract(stores);
    describePubSubContract(stores);
  });
}
