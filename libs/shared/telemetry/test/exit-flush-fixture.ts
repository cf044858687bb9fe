// Run by coalescing-stream.spec.ts in a child process: logs with a long flush interval, then exits
// at once, so the lines reach stdout only if the exit hook writes what is held.
import { createLogger } from '../src/logger.js';
import { logJson } from '../src/json-line.js';

const logger = createLogger({ service: 'exit-flush', flushIntervalMs: 60_000 });
logger.info('held line', { n: 1 });
logJson(logger, 'info', 'audit', 'audit', { n: 2 });
// An exit listener registered after the logger's own logs too: that line must not be held either.
process.once('exit', () => logger.info('from a later exit listener'));
process.exit(Number(process.argv[2] ?? 0));
