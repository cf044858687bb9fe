import { fileURLToPath } from 'node:url';
import { describeServiceProcessContract } from '@mcpgw/testing';

describeServiceProcessContract({
  service: 'sentraip-simulator',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  env: { HOST: '127.0.0.1' },
  badConfig: [
    { variable: 'PORT', value: '65536' },
    { variable: 'SIM_TOKEN_EXPIRES_IN', value: 'forever' },
    { variable: 'SIM_ERROR_RATE', value: '1.5' },
    { variable: 'SIM_TOKEN_ENDPOINT', value: 'sideways' },
    { variable: 'SIM_ADMIN_TOKEN', value: 'short' },
  ],
});
