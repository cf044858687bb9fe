export { getFreePort, listenOnLoopback, type LoopbackListener } from './net.js';
export { readTestEnv, type TestEnv, type TestEnvSource } from './test-env.js';
export {
  describeWithRedis,
  findRedisBinary,
  pingRedis,
  redisAvailability,
  startRedisServer,
  useRedisServer,
  type RedisAvailability,
  type RedisFixture,
  type RedisRequirement,
  type RedisServerHandle,
  type StartRedisServerOptions,
} from './redis-server.js';
export {
  runServiceToExit,
  startServiceProcess,
  type ProcessExit,
  type ServiceProcess,
  type StartServiceProcessOptions,
} from './service-process.js';
export {
  describeServiceProcessContract,
  type ServiceProcessContract,
} from './service-process-contract.js';
export {
  RECORDED_HEADERS,
  echoTool,
  failingTool,
  slowTool,
  startFakeMcpUpstream,
  structuredTool,
  type FakeContent,
  type FakeMcpUpstream,
  type FakeMcpUpstreamOptions,
  type FakeTool,
  type FakeToolContext,
  type FakeToolResult,
  type FakeInputRequired,
  type JsonObjectSchema,
  type RecordedCall,
  type RecordedHttpRequest,
} from './fake-mcp-upstream.js';
export { ensureCachedPackages, nodeAtLeast, type CacheResult } from './package-cache.js';
export {
  INTERNALS,
  leaksInternals,
  rawRequest,
  type RawAnswer,
  type RawRequest,
  wrongBearerHeaders,
} from './raw-http.js';
