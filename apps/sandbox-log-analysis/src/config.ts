import Joi from 'joi';
import { loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const schema = Joi.object({
  ...serviceEnvKeys(8091),
  LOG_CORPUS_DIR: Joi.string().max(4096).description('a path to a directory of log files'),
});

export interface SandboxConfig extends ServiceBasics {
  /** Directory of JSON-lines or plain-text logs that `log_store` searches. */
  readonly corpusDir?: string;
}

/** Reads and validates the sandbox's environment once; throws ConfigError naming each bad variable. */
export function readSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const v = loadConfig<Record<string, string | undefined>>(schema, env);
  return Object.freeze({ ...serviceBasics(v, env), corpusDir: v['LOG_CORPUS_DIR'] });
}
