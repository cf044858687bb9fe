import { Client, ProtocolError, SdkError, SdkErrorCode, SdkHttpError, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { Logger } from '@mcpgw/telemetry';
import { scopedFetch } from './request-scope.js';

/** A tool the gateway lets this client call (its `tools/list` entry, as much as the loop needs). */
export interface GatewayTool {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** Why a tool call produced no result (the `outcome` metric label besides `ok`). */
export type ToolFailure = 'tool_error' | 'refused' | 'rate_limited' | 'unavailable';

/** What one tool call gave: the tool's own result, or why there is none. */
export interface ToolOutcome {
  readonly ok: boolean;
  /** The result's text content, or a short explanation of the failure. */
  readonly text: string;
  readonly structured?: Readonly<Record<string, unknown>>;
  readonly failure?: ToolFailure;
}

export interface GatewayToolsOptions {
  /** The gateway's base URL; MCP is served at `{url}/mcp`. */
  url: string;
  /** This service's own gateway API key (`Authorization: Bearer`). */
  apiKey?: string;
  clientVersion: string;
  logger: Logger;
  /** How long a tools/list answer is reused. */
  listCacheMs?: number;
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

const MAX_TOOL_TEXT = 20_000;

/**
 * The chat client as an MCP client of the gateway: one official SDK client over Streamable HTTP
 * (either protocol era, negotiated), with this service's own API key, so the gateway's
 * authentication, RBAC, rate limits and audit apply to every call Claude makes. Connected
 * lazily and again after a failure; the gateway is stateless, so nothing is lost by reconnecting.
 */
export class GatewayTools {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private cached: { tools: GatewayTool[]; at: number } | undefined;

  constructor(private readonly options: GatewayToolsOptions) {}

  /** The tools this client may call (cached for `listCacheMs`). Throws when the gateway cannot list them. */
  async list(signal?: AbortSignal): Promise<GatewayTool[]> {
    const maxAge = this.options.listCacheMs ?? 30_000;
    if (this.cached && Date.now() - this.cached.at < maxAge) return this.cached.tools;
    try {
      const client = await this.connect();
      const { tools } = await client.listTools(undefined, { signal });
      const listed = tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> }));
      this.cached = { tools: listed, at: Date.now() };
      return listed;
    } catch (err) {
      if (!signal?.aborted) this.reset(err);
      throw err;
    }
  }

  /** Calls one tool. Never throws for the tool's or the gateway's failures (they become outcomes); rethrows an abort. */
  async call(name: string, args: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<ToolOutcome> {
    let result: CallToolResult;
    try {
      const client = await this.connect();
      result = await client.callTool({ name, arguments: args }, { signal: options.signal, timeout: options.timeoutMs });
    } catch (err) {
      if (options.signal.aborted) throw err;
      return this.failure(name, err, options.timeoutMs);
    }
    const text = result.content
      .map((c) => (c.type === 'text' ? c.text : `[${c.type} content]`))
      .join('\n')
      .slice(0, MAX_TOOL_TEXT);
    const structured = result.structuredContent as Record<string, unknown> | undefined;
    if (result.isError === true) return { ok: false, text: text || `${name} failed`, failure: 'tool_error', structured };
    return { ok: true, text, structured };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    await client?.close().catch(() => undefined);
  }

  private failure(name: string, err: unknown, timeoutMs: number): ToolOutcome {
    if (err instanceof ProtocolError) {
      // An unknown or forbidden tool, bad arguments, or a refusal by the gateway's policy.
      return { ok: false, failure: 'refused', text: `the gateway refused ${name}: ${err.message}` };
    }
    if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) {
      // A slow tool, not a broken connection: keep the client.
      return { ok: false, failure: 'unavailable', text: `${name} did not answer within ${Math.round(timeoutMs / 1000)} s` };
    }
    if (err instanceof SdkHttpError && err.status === 429) {
      return { ok: false, failure: 'rate_limited', text: `the gateway rate-limited ${name}; try again shortly` };
    }
    if (err instanceof SdkHttpError && (err.status === 401 || err.status === 403)) {
      this.options.logger.error('the gateway refused this service\'s API key', { status: err.status });
      return { ok: false, failure: 'refused', text: `the gateway refused ${name} (this service is not authorised)` };
    }
    this.reset(err);
    return { ok: false, failure: 'unavailable', text: `${name} is unavailable: the gateway could not be reached` };
  }

  /**
   * Forgets the connection so the next call negotiates again. The old client is closed later,
   * not now: concurrent calls of other exchanges may still be using it.
   */
  private reset(err: unknown): void {
    this.options.logger.warn('gateway MCP request failed', { err });
    const old = this.client;
    this.client = undefined;
    if (old) setTimeout(() => void old.close().catch(() => undefined), 60_000).unref();
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    // Shared by concurrent callers, so no caller's signal may cancel it; the timeout bounds it.
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const headers: Record<string, string> = {};
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', `${this.options.url}/`), {
      requestInit: { headers },
      fetch: scopedFetch(this.options.fetch),
    });
    const client = new Client(
      { name: 'claude-mcp-client', version: this.options.clientVersion },
      { versionNegotiation: { mode: 'auto' } },
    );
    try {
      await client.connect(transport, { timeout: 10_000 });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }
}
