export {
  ConfigError,
  displayEnvValue,
  envVar,
  loadConfig,
  readOtlpEndpoint,
  readSpanBatchSettings,
  serviceBasics,
  serviceEnvKeys,
  type ServiceBasics,
  type SpanBatchSettings,
} from './config.js';
export { errorCode, HttpError, httpErrors } from './errors.js';
export { toHttpError } from './error-mapping.js';
export { errorHandler, notFoundHandler } from './error-handler.js';
export { mountHealthRoutes, type HealthOptions, type ReadinessCheck } from './health.js';
export {
  requestContext,
  requestContextMiddleware,
  type RequestContext,
  type RequestContextOptions,
} from './request-context.js';
export { createServiceApp, type ServiceAppOptions } from './create-app.js';
export { listen, type ListenOptions, type RunningServer } from './http-server.js';
export { ShutdownCoordinator, type ShutdownHook, type ShutdownOptions } from './shutdown.js';
export { installCrashHandlers, runMain } from './bootstrap.js';
export {
  runService,
  startService,
  type RunServiceOptions,
  type ServiceParts,
  type StartServiceOptions,
} from './service.js';
export { StartupInterrupted } from './startup-interrupted.js';
export { httpReachable } from './readiness-checks.js';
export { requestBodySize } from './body-size.js';
export { requireServiceToken } from './service-token.js';
