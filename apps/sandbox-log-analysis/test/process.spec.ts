import { fileURLToPath } from 'node:url';
import { describeServiceProcessContract } from '@mcpgw/testing';

describeServiceProcessContract({
  service: 'sandbox-log-analysis',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  env: { HOST: '127.0.0.1' },
  badConfig: [
    { variable: 'PORT', value: 'abc' },
    { variable: 'LOG_LEVEL', value: 'loud' },
    { variable: 'MCP_TRANSPORT', value: 'carrier-pigeon' },
    { variable: 'LOG_CORPUS_MAX_FILE_BYTES', value: '0' },
  ],
});
