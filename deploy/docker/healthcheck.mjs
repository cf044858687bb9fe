#!/usr/bin/env node
// Container health check: GET http://127.0.0.1:$PORT/health, exit 0 on 200, 1 otherwise.
// Plain Node (no curl or wget in the image); a hung server counts as unhealthy after 3 s.
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(
    `healthcheck: PORT is not a port: ${JSON.stringify(process.env.PORT ?? null)}\n`,
  );
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch (err) {
  process.stderr.write(`healthcheck: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
