/**
 * `npm start`: every app as its own process on its default port, embedded defaults (in-memory
 * state unless REDIS_URL is set, the SentraIP simulator, Claude offline mode unless a key is set),
 * prefixed colour-coded logs, Ctrl-C stops them all gracefully.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import concurrently from 'concurrently';
import { APP_COMMAND, APP_DIRS, appEnv, commonEnv, devServices, resolveSecrets } from './dev-services.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { secrets, generated } = resolveSecrets(process.env);
const services = devServices(secrets, root);

const banner = [
  '',
  'MCP secure gateway: starting 6 services',
  ...services.map((s) => `  ${s.name.padEnd(10)} http://127.0.0.1:${s.port}`),
  `  state      ${process.env['REDIS_URL'] ? 'Redis (REDIS_URL)' : 'in-memory (set REDIS_URL for Redis)'}`,
  `  claude     ${process.env['CLAUDE_API_KEY'] || process.env['ANTHROPIC_API_KEY'] ? 'API key set' : 'offline mode (no API key)'}`,
  '',
  generated.length
    ? `Generated for this run (set them in the environment to keep them): ${generated.join(', ')}`
    : 'All secrets taken from the environment.',
  generated.includes('GATEWAY_ADMIN_KEY') ? `  GATEWAY_ADMIN_KEY=${secrets.GATEWAY_ADMIN_KEY}` : '',
  'Press Ctrl-C to stop everything.',
  '',
];
process.stdout.write(banner.filter((l) => l !== undefined).join('\n') + '\n');

// Each app's environment is computed from the caller's; then this process keeps only the common
// variables, because concurrently hands its own environment to every child.
const inherited = { ...process.env };
const envs = new Map(services.map((s) => [s.name, appEnv(s, inherited)]));
const keep = commonEnv(inherited);
for (const name of Object.keys(process.env)) if (!(name in keep)) delete process.env[name];

const { result } = concurrently(
  services.map((s) => ({
    name: s.name,
    prefixColor: s.color,
    cwd: path.join(root, APP_DIRS[s.name] ?? ''),
    command: APP_COMMAND,
    env: envs.get(s.name) ?? {},
  })),
  {
    prefix: 'name',
    killOthersOn: ['failure'],
    killSignal: 'SIGTERM',
    handleInput: false,
  },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
