import type { Registry } from 'prom-client';
import type { Logger } from '@mcpgw/telemetry';
import type { SandboxConfig } from './config.js';
import { CorpusStore } from './corpus/corpus-store.js';
import { eraseArgs } from './mcp/tool.js';
import { ToolRegistry } from './mcp/tool-registry.js';
import { logStoreTool } from './tools/log-store.tool.js';
import { privacyTool } from './tools/privacy.tool.js';

/** What both transports serve: the corpus and the tool registry. */
export interface SandboxCore {
  corpus: CorpusStore;
  tools: ToolRegistry;
}

/**
 * Builds the tools and indexes the corpus once. A corpus that cannot be read does not stop the
 * service: it is logged, `/ready` fails, and `log_store` answers `isError` until a reload works.
 */
export async function buildSandboxCore(deps: {
  config: SandboxConfig;
  logger: Logger;
  registry: Registry;
}): Promise<SandboxCore> {
  const corpus = new CorpusStore(deps.config.corpusDir, deps.config.corpusLimits);
  try {
    const index = await corpus.reload();
    deps.logger.info('log corpus indexed', {
      dir: index.dir,
      files: index.files.length,
      records: index.records.length,
      bytes: index.bytes,
      skipped: index.skipped,
    });
  } catch (err) {
    deps.logger.error('log corpus unavailable', { dir: deps.config.corpusDir, err });
  }
  const tools = new ToolRegistry(
    [eraseArgs(logStoreTool(corpus)), eraseArgs(privacyTool(deps.config.privacyMaxTextChars))],
    deps,
  );
  return { corpus, tools };
}
