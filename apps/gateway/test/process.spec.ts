import { fileURLToPath } from 'node:url';
import { describeServiceProcessContract } from '@mcpgw/testing';

describeServiceProcessContract({
  service: 'gateway',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  env: { LOG_LEVEL: 'info', HOST: '127.0.0.1' },
  badConfig: [
    { variable: 'PORT', value: '70000' },
    { variable: 'REDIS_URL', value: 'http://not-redis:6379' },
    { variable: 'GATEWAY_ADMIN_KEY', value: 'short' },
    { variable: 'BROKER_URL', value: 'ftp://broker' },
    { variable: 'GATEWAY_BUSY_POLL_US', value: '200000' },
  ],
});
