/** JSON-RPC error codes the gateway answers with (spec values; -32020 is MCP's header mismatch). */
export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  HEADER_MISMATCH: -32020,
  /** Upstream unavailable (open breaker, connection failure) — implementation-defined server error. */
  UPSTREAM_UNAVAILABLE: -32001,
  UPSTREAM_TIMEOUT: -32002,
} as const;

export type JsonRpcId = string | number | null;

/**
 * A protocol-level failure: serialised as a JSON-RPC error response in one place. `reason` is a
 * low-cardinality label for metrics and audit; `httpStatus` is what the HTTP entry answers with.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly options: { data?: unknown; httpStatus?: number; reason?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'JsonRpcError';
  }
  get httpStatus(): number {
    return this.options.httpStatus ?? 200;
  }
  get reason(): string {
    return this.options.reason ?? `rpc_error_${Math.abs(this.code)}`;
  }
}

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: JsonRpcId;
  error: { code: number; message: string; data?: unknown };
}

/** The error response for `id`; unknown errors become -32603 without their message. */
export function errorBody(id: JsonRpcId, err: unknown): JsonRpcErrorBody {
  const rpc = err instanceof JsonRpcError ? err : new JsonRpcError(RPC.INTERNAL_ERROR, 'Internal error');
  const error: JsonRpcErrorBody['error'] = { code: rpc.code, message: rpc.message };
  if (rpc.options.data !== undefined) error.data = rpc.options.data;
  return { jsonrpc: '2.0', id, error };
}

export const rpcErrors = {
  methodNotFound: (method: string) =>
    new JsonRpcError(RPC.METHOD_NOT_FOUND, `Method not found: ${method.slice(0, 100)}`, { reason: 'method_not_found' }),
  invalidParams: (message: string, data?: unknown) =>
    new JsonRpcError(RPC.INVALID_PARAMS, `Invalid params: ${message}`, { data, reason: 'invalid_params' }),
  /** A forbidden tool answers exactly like an unknown one (no enumeration). */
  unknownTool: (name: string) =>
    new JsonRpcError(RPC.INVALID_PARAMS, `Unknown tool: ${name.slice(0, 200)}`, { reason: 'unknown_tool' }),
} as const;
