import { fileURLToPath } from 'node:url';
import Joi from 'joi';
import { loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

/** The sample corpus shipped next to `src/` and `dist/`; used when LOG_CORPUS_DIR is unset. */
export const SAMPLE_CORPUS_DIR = fileURLToPath(new URL('../corpus', import.meta.url));

const MIB = 1024 * 1024;
const bytes = (defaultValue: number, max: number) =>
  Joi.number().integer().min(1).max(max).default(defaultValue).description(`a byte count 1-${max}`);
const count = (defaultValue: number, max: number) =>
  Joi.number().integer().min(1).max(max).default(defaultValue).description(`an integer 1-${max}`);

const schema = Joi.object({
  ...serviceEnvKeys(8091),
  MCP_TRANSPORT: Joi.string().valid('http', 'stdio').default('http').description('http or stdio'),
  LOG_CORPUS_DIR: Joi.string()
    .max(4096)
    .default(SAMPLE_CORPUS_DIR)
    .description('a path to a directory of log files'),
  LOG_CORPUS_MAX_FILE_BYTES: bytes(16 * MIB, 1024 * MIB),
  LOG_CORPUS_MAX_TOTAL_BYTES: bytes(64 * MIB, 4096 * MIB),
  LOG_CORPUS_MAX_FILES: count(256, 10_000),
  LOG_CORPUS_MAX_LINE_CHARS: count(16_384, 1_048_576),
  PRIVACY_MAX_TEXT_CHARS: count(100_000, 1_000_000),
});

export interface SandboxConfig extends ServiceBasics {
  /** `stdio`: MCP on stdin/stdout, logs on stderr, no HTTP port; `http`: Streamable HTTP on `/mcp`. */
  readonly transport: 'http' | 'stdio';
  /** Directory of JSON-lines or plain-text logs that `log_store` searches. */
  readonly corpusDir: string;
  readonly corpusLimits: {
    readonly maxFileBytes: number;
    readonly maxTotalBytes: number;
    readonly maxFiles: number;
    readonly maxLineChars: number;
  };
  /** Largest `text` the `privacy` tool accepts. */
  readonly privacyMaxTextChars: number;
}

/** Reads and validates the sandbox's environment once; throws ConfigError naming each bad variable. */
export function readSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const v = loadConfig<Record<string, string | number | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    transport: v['MCP_TRANSPORT'] === 'stdio' ? 'stdio' : 'http',
    corpusDir: String(v['LOG_CORPUS_DIR']),
    corpusLimits: Object.freeze({
      maxFileBytes: Number(v['LOG_CORPUS_MAX_FILE_BYTES']),
      maxTotalBytes: Number(v['LOG_CORPUS_MAX_TOTAL_BYTES']),
      maxFiles: Number(v['LOG_CORPUS_MAX_FILES']),
      maxLineChars: Number(v['LOG_CORPUS_MAX_LINE_CHARS']),
    }),
    privacyMaxTextChars: Number(v['PRIVACY_MAX_TEXT_CHARS']),
  });
}
