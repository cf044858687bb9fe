import { parseArgs } from 'node:util';

/** Where the CLI writes (stdout/stderr in production, buffers in tests). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: nx run gateway:keys -- <command> [options]
  create --owner <name> [--roles a,b] [--client <id>] [--expires <ISO date>]
  list
  revoke <key id>
  rotate <key id>
environment: GATEWAY_URL (default http://127.0.0.1:8080), GATEWAY_ADMIN_KEY (required)`;

/**
 * `npx nx run gateway:keys -- create|list|revoke|rotate`: manages API keys through the gateway's
 * admin API, so the same checks, audit events and cross-replica revocation apply as for any
 * admin call. Returns the process exit code.
 */
export async function runKeysCli(argv: readonly string[], config: { gatewayUrl: string; adminKey?: string }, io: CliIo, fetchImpl: typeof fetch = fetch): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { owner: { type: 'string' }, roles: { type: 'string' }, client: { type: 'string' }, expires: { type: 'string' } },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, id] = parsed.positionals;
  if (!config.adminKey) {
    io.err('GATEWAY_ADMIN_KEY is required');
    return 2;
  }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetchImpl(new URL(`/admin/keys${path}`, config.gatewayUrl), {
      method,
      headers: { authorization: `Bearer ${config.adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const report = (result: { status: number; body: Record<string, unknown> }, ok: number) => {
    if (result.status === ok) {
      io.out(JSON.stringify(result.body, null, 2));
      return 0;
    }
    io.err(`gateway answered ${result.status}: ${String(result.body['message'] ?? 'error')}`);
    return 1;
  };
  try {
    switch (command) {
      case 'create': {
        if (!parsed.values.owner) break;
        const roles = parsed.values.roles ? parsed.values.roles.split(',').map((r) => r.trim()).filter(Boolean) : [];
        return report(
          await call('POST', '', {
            owner: parsed.values.owner,
            roles,
            ...(parsed.values.client ? { client_id: parsed.values.client } : {}),
            ...(parsed.values.expires ? { expires_at: parsed.values.expires } : {}),
          }),
          201,
        );
      }
      case 'list':
        return report(await call('GET', ''), 200);
      case 'revoke':
        if (!id) break;
        return report(await call('DELETE', `/${encodeURIComponent(id)}`), 204);
      case 'rotate':
        if (!id) break;
        return report(await call('POST', `/${encodeURIComponent(id)}/rotate`), 201);
    }
  } catch (err) {
    io.err(`cannot reach the gateway at ${config.gatewayUrl}: ${(err as Error).message}`);
    return 1;
  }
  io.err(USAGE);
  return 2;
}
