import { fileURLToPath } from 'node:url';
import { describeServiceProcessContract } from '@mcpgw/testing';

describeServiceProcessContract({
  service: 'sentraip-oauth-broker',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  env: { HOST: '127.0.0.1', SENTRAIP_BASE_URL: 'http://127.0.0.1:9' },
  badConfig: [
    { variable: 'PORT', value: 'eighty' },
    { variable: 'REDIS_URL', value: 'localhost:6379' },
    { variable: 'SENTRAIP_CLIENT_SECRET', value: 'short' },
  ],
});
