import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { installCrashHandlers, type RunServiceOptions } from '@mcpgw/service-kit';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { maxMcpBodyBytes } from './app.js';
import { buildSandboxCore } from './build-tools.js';
import type { SandboxConfig } from './config.js';
import { createSandboxServer, SERVER_NAME } from './mcp/sandbox-server.js';

export interface StdioOptions {
  config: SandboxConfig;
  startTelemetry: (
    options: Parameters<RunServiceOptions['startTelemetry']>[0] & {
      logger: { warn(message: string, meta?: object): unknown };
    },
  ) => Promise<{ shutdown(): Promise<void> }>;
}

/**
 * Serves MCP over stdin/stdout, as a gateway's child process: stdout carries protocol messages
 * only, so every log line (telemetry warnings included) goes to stderr. No port is opened and
 * nothing is written to disk; the corpus directory is the only thing read. Ends on SIGTERM,
 * SIGINT or when the parent closes stdin.
 */
export async function runStdio({ config, startTelemetry }: StdioOptions): Promise<void> {
  const logger = createLogger({
    service: SERVER_NAME,
    level: config.logLevel,
    stream: process.stderr,
  });
  const telemetry = await startTelemetry({
    serviceName: SERVER_NAME,
    serviceVersion: config.version,
    otlpEndpoint: config.otlpEndpoint,
    sdkSettingsInEnv: config.otelSdkSettings,
    ...(config.spanBatch ? { spanBatch: config.spanBatch } : {}),
    logger,
  });
  if (config.telemetryWarning) logger.warn(config.telemetryWarning);
  installCrashHandlers((message, err) => logger.error(message, { err }));
  const registry = createMetricsRegistry({ service: SERVER_NAME });
  const core = await buildSandboxCore({ config, logger, registry });
  const server = createSandboxServer(core.tools, config.version);

  // set before anything runs: closing the server re-enters through `onclose`
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutdown started', { reason });
    await server
      .close()
      .catch((err: unknown) => logger.warn('closing the MCP server failed', { err }));
    await telemetry.shutdown();
    logger.info('shutdown complete', { exit_code: 0 });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  process.stdin.once('end', () => void stop('stdin closed'));
  server.onclose = () => void stop('transport closed');

  await server.connect(
    new StdioServerTransport(process.stdin, process.stdout, {
      maxBufferSize: maxMcpBodyBytes(config),
    }),
  );
  logger.info('serving MCP on stdio', { corpus_dir: config.corpusDir });
}
