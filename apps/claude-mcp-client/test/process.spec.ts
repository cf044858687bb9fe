import { fileURLToPath } from 'node:url';
import { describeServiceProcessContract } from '@mcpgw/testing';

describeServiceProcessContract({
  service: 'claude-mcp-client',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  env: { HOST: '127.0.0.1', GATEWAY_URL: 'http://127.0.0.1:9' },
  badConfig: [
    { variable: 'PORT', value: '1.5' },
    { variable: 'REDIS_URL', value: 'mysql://db' },
    { variable: 'CLAUDE_MODEL', value: 'Not A Model!' },
    { variable: 'CHAT_MAX_TURNS', value: '0' },
    { variable: 'CHAT_SESSION_TTL_SECONDS', value: 'an hour' },
  ],
});
