import { ConfigError } from '@mcpgw/service-kit';
import { readKeysCliConfig } from '../config.js';
import { runKeysCli } from './keys-cli.js';

try {
  const code = await runKeysCli(process.argv.slice(2), readKeysCliConfig(), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
