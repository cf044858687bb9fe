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
    { variable: 'BROKER_SERVICE_TOKEN', value: 'short' },
    { variable: 'SENTRAIP_TIMEOUT_MS', value: 'fast' },
    { variable: 'SENTRAIP_MAX_RETRIES', value: '9' },
    { variable: 'BROKER_LOOKUP_TIMEOUT_MS', value: '0' },
    { variable: 'BROKER_TOKEN_REFRESH_AHEAD', value: 'maybe' },
    { variable: 'THREAT_CACHE_TTL_CLEAN_S', value: '-1' },
  ],
});
