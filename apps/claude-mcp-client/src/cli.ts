/**
 * `npm run chat`: the terminal chat against a running chat service (`npm start` runs one on
 * 8081). Needs a gateway API key in CHAT_API_KEY (the bootstrap admin key, GATEWAY_ADMIN_KEY,
 * is accepted in development); CHAT_URL points elsewhere.
 */
import { ConfigError } from '@mcpgw/service-kit';
import { runChatCli } from './cli/chat-cli.js';
import { readChatCliConfig } from './config.js';

async function main(): Promise<number> {
  let config;
  try {
    config = readChatCliConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!config.apiKey) {
    process.stderr.write(
      'Set CHAT_API_KEY to a gateway API key (create one with POST /admin/keys), or GATEWAY_ADMIN_KEY in development.\n',
    );
    return 2;
  }
  if (config.apiKeySource === 'GATEWAY_ADMIN_KEY') process.stderr.write('(using GATEWAY_ADMIN_KEY as the chat credential)\n');
  process.stdout.write(`Conversational threat analysis — ${config.chatUrl}\n`);
  await runChatCli({ chatUrl: config.chatUrl, apiKey: config.apiKey, input: process.stdin, output: process.stdout });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chat failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
