import { delimiter } from 'node:path';

/**
 * The one place where test helpers read `process.env`. Everything else in `@mcpgw/testing`
 * receives a {@link TestEnv} so the environment is read once and can be faked in tests.
 */

/** The environment variables the test helpers understand. */
export interface TestEnv {
  /** `REDIS_URL`: an already running Redis to use instead of spawning `redis-server`. */
  readonly redisUrl: string | undefined;
  /** `CI`: in CI a missing dependency (Redis) fails the run instead of skipping tests. */
  readonly ci: boolean;
  /** `PATH`, split: where `redisAvailability` looks for `redis-server`. */
  readonly pathDirs: readonly string[];
}

/** Environment variable names read by {@link readTestEnv}. */
export type TestEnvSource = Readonly<Record<string, string | undefined>>;

/**
 * Reads the test environment. `CI` counts as set for `true`/`1`/`yes` (any case), the values CI
 * providers use; an empty `REDIS_URL` counts as unset.
 */
export function readTestEnv(source: TestEnvSource = process.env): TestEnv {
  const redisUrl = source['REDIS_URL']?.trim();
  const ci = (source['CI'] ?? '').trim().toLowerCase();
  return Object.freeze({
    redisUrl: redisUrl ? redisUrl : undefined,
    ci: ci === 'true' || ci === '1' || ci === 'yes',
    pathDirs: Object.freeze((source['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '')),
  });
}
