import type { RequestListener } from 'node:http';
import type { Registry } from 'prom-client';
import { createLogger, createMetricsRegistry, type Logger } from '@mcpgw/telemetry';
import { installCrashHandlers } from './bootstrap.js';
import type { ServiceBasics, SpanBatchSettings } from './config.js';
import { listen, type RunningServer } from './http-server.js';
import { ShutdownCoordinator } from './shutdown.js';
import { StartupInterrupted } from './startup-interrupted.js';

export interface StartServiceOptions {
  logger: Logger;
  host: string;
  port: number;
  drainTimeoutMs: number;
  /** Builds the app; `isShuttingDown` lets `/ready` fail as soon as shutdown begins. */
  createApp: (lifecycle: { isShuttingDown: () => boolean }) => RequestListener | Promise<RequestListener>;
  /** Run after the server drained, in order: flush outboxes, close stores, flush telemetry. */
  hooks?: ReadonlyArray<{ name: string; run: () => Promise<void> }>;
  /** Run when shutdown begins, before the drain (close long-lived streams). */
  preDrainHooks?: ReadonlyArray<{ name: string; run: () => Promise<void> }>;
  exit?: (code: number) => void;
  /**
   * A coordinator whose signal handlers are already installed (set up before the app was built);
   * without one, a new coordinator is created and its handlers installed once listening.
   */
  shutdown?: ShutdownCoordinator;
}

/** Listens and wires graceful shutdown on SIGTERM/SIGINT; the common tail of every main.ts. */
export async function startService(
  options: StartServiceOptions,
): Promise<{ running: RunningServer; shutdown: ShutdownCoordinator }> {
  const shutdown =
    options.shutdown ??
    new ShutdownCoordinator({
      logger: options.logger,
      drainTimeoutMs: options.drainTimeoutMs,
      exit: options.exit,
    });
  // Registered first, so a signal during start-up (even one already taken, whose hooks are still
  // running) closes what the build opened.
  for (const hook of options.hooks ?? []) shutdown.addHook(hook.name, hook.run);
  for (const hook of options.preDrainHooks ?? []) shutdown.addPreDrainHook(hook.name, hook.run);
  if (shutdown.isShuttingDown()) throw new StartupInterrupted();
  const app = await interruptible(shutdown, () => options.createApp({ isShuttingDown: () => shutdown.isShuttingDown() }));
  if (shutdown.isShuttingDown()) throw new StartupInterrupted();
  const running = await listen(app, { host: options.host, port: options.port });
  if (shutdown.isShuttingDown()) {
    // The signal came while the port was being opened: the coordinator found no server to drain.
    await running.drain(0);
    throw new StartupInterrupted();
  }
  shutdown.attachServer(running);
  if (!options.shutdown) shutdown.installSignalHandlers();
  options.logger.info('listening', { url: running.url });
  return { running, shutdown };
}

/**
 * A start-up step that a shutdown may cut short: when it fails after shutdown began (the hooks
 * closed what it was waiting on, e.g. the state store), that is the interruption, not a start-up
 * failure.
 */
async function interruptible<T>(shutdown: ShutdownCoordinator, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (shutdown.isShuttingDown()) throw new StartupInterrupted();
    throw err;
  }
}

/** What an app's `build` step returns: the app factory and the hooks that close its resources. */
export interface ServiceParts {
  createApp: StartServiceOptions['createApp'];
  hooks?: StartServiceOptions['hooks'];
  preDrainHooks?: StartServiceOptions['preDrainHooks'];
}

export interface RunServiceOptions {
  service: string;
  basics: ServiceBasics;
  /** The app's telemetry bootstrap (the SDK lives in apps, never in libs). */
  startTelemetry: (options: {
    serviceName: string;
    serviceVersion: string;
    otlpEndpoint?: string;
    sdkSettingsInEnv?: boolean;
    spanBatch?: SpanBatchSettings;
  }) => Promise<{ shutdown(): Promise<void> }>;
  build: (runtime: { logger: Logger; registry: Registry }) => ServiceParts | Promise<ServiceParts>;
}

/**
 * The fixed start-up order of every service: telemetry → logger → shutdown on signals → metrics
 * registry → the app's dependencies → listen. A signal during start-up ends the process
 * gracefully too (log lines held for `LOG_FLUSH_MS` are written, the hooks registered so far
 * run, telemetry is flushed last) instead of the default action killing it on the spot.
 */
export async function runService(options: RunServiceOptions): Promise<{ running: RunningServer }> {
  const { basics, service } = options;
  const telemetry = await options.startTelemetry({
    serviceName: service,
    serviceVersion: basics.version,
    otlpEndpoint: basics.otlpEndpoint,
    sdkSettingsInEnv: basics.otelSdkSettings,
    ...(basics.spanBatch ? { spanBatch: basics.spanBatch } : {}),
  });
  const logger = createLogger({ service, level: basics.logLevel, flushIntervalMs: basics.logFlushMs });
  if (basics.telemetryWarning) logger.warn(basics.telemetryWarning);
  installCrashHandlers((message, err) => logger.error(message, { err }));
  const shutdown = new ShutdownCoordinator({ logger, drainTimeoutMs: basics.shutdownTimeoutMs });
  shutdown.addFinalHook('telemetry', () => telemetry.shutdown());
  shutdown.installSignalHandlers();
  const registry = createMetricsRegistry({ service });
  const parts = await interruptible(shutdown, () => options.build({ logger, registry }));
  const { running } = await startService({
    logger,
    host: basics.host,
    port: basics.port,
    drainTimeoutMs: basics.shutdownTimeoutMs,
    createApp: parts.createApp,
    hooks: parts.hooks,
    preDrainHooks: parts.preDrainHooks,
    shutdown,
  });
  return { running };
}
