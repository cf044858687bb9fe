import { fileURLToPath } from 'node:url';
import { describeServiceProcessContract } from '@mcpgw/testing';

describeServiceProcessContract({
  service: 'analytics-collector',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  env: { HOST: '127.0.0.1' },
  badConfig: [
    { variable: 'PORT', value: '-1' },
    { variable: 'REDIS_URL', value: 'redis//missing-colon' },
    { variable: 'COLLECTOR_SERVICE_TOKEN', value: 'too-short' },
    { variable: 'COLLECTOR_MAX_BATCH_EVENTS', value: '501' },
    { variable: 'COLLECTOR_LATE_EVENT_SECONDS', value: 'later' },
    { variable: 'GATEWAY_URL', value: 'ftp://gateway' },
  ],
});
