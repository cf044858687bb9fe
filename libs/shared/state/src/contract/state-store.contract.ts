import { describe } from 'vitest';
import { describeAdmissionContract } from './admission.contract.js';
import { useStores, type PrefixCleanup, type StoreFactory } from './harness.js';
import { describeKeyValueContract } from './kv.contract.js';
import { describeLockContract } from './lock.contract.js';
import { describePubSubContract } from './pubsub.contract.js';
import { describeStreamBatchContract } from './stream-batch.contract.js';
import { describeStreamContract } from './stream.contract.js';
import { describeStreamPendingContract } from './stream-pending.contract.js';
import { describeTokenBucketContract } from './token-bucket.contract.js';

export type { PrefixCleanup, StoreFactory } from './harness.js';

/**
 * The one behavioural contract of `StateStore`, run against every implementation. `factory`
 * creates store instances sharing one backend (think: processes sharing one Redis); it is called
 * inside tests, after `beforeAll`. Each test gets a fresh key prefix, so suites can share a
 * server, and `cleanup` deletes that prefix's keys after the test.
 */
export function describeStateStoreContract(
  name: string,
  factory: StoreFactory,
  cleanup?: PrefixCleanup,
): void {
  describe(`StateStore contract: ${name}`, () => {
    const stores = useStores(factory, cleanup);
    describeKeyValueContract(stores);
    describeTokenBucketContract(stores);
    describeLockContract(stores);
    describeStreamContract(stores);
    describeStreamBatchContract(stores);
    describeStreamPendingContract(stores);
    describeAdmissionContract(stores);
    describePubSubContract(stores);
  });
}
