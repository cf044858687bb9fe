import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { isBreakerOpenError, isTimeoutError } from '@mcpgw/resilience';
import { JsonRpcError, RPC } from '../mcp/jsonrpc.js';
import { UpstreamRpcError } from './direct-exchange.js';

/** An upstream answered with a JSON-RPC error of its own: relayed to the client, not a failure of the upstream. */
export function upstreamProtocolError(err: unknown): JsonRpcError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  // Read straight from the upstream's answer: every code is the upstream's own.
  if (err instanceof UpstreamRpcError) return new JsonRpcError(err.code, err.message, { data: err.data, reason: 'upstream_error' });
  const { code, message, data } = err as { code?: unknown; message?: unknown; data?: unknown };
  // SDK ProtocolErrors carry the JSON-RPC code; transport and SDK-local errors use non-JSON-RPC codes.
  if (typeof code !== 'number' || code > -32000 || code < -32768) return undefined;
  if (code === -32001 || code === -32000) return undefined; // SDK-local timeouts / connection closed
  return new JsonRpcError(code, typeof message === 'string' ? message.replace(/^MCP error -?\d+: /, '') : 'Upstream error', {
    data,
    reason: 'upstream_error',
  });
}

/** Maps a failed upstream call to the JSON-RPC error the client sees (never the raw cause). */
export function toClientError(upstream: string, err: unknown): JsonRpcError {
  if (err instanceof JsonRpcError) return err;
  const relayed = upstreamProtocolError(err);
  if (relayed) return relayed;
  if (isBreakerOpenError(err)) {
    return new JsonRpcError(RPC.UPSTREAM_UNAVAILABLE, `Upstream ${upstream} is unavailable`, {
      reason: 'breaker_open',
      cause: err,
    });
  }
  // The breaker's timeout (maxDurationMs), the exchange's idle wait, or the SDK's own (its path).
  if (isTimeoutError(err) || (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) || (err as { code?: unknown })?.code === -32001) {
    return new JsonRpcError(RPC.UPSTREAM_TIMEOUT, `Upstream ${upstream} timed out`, { reason: 'upstream_timeout', cause: err });
  }
  return new JsonRpcError(RPC.UPSTREAM_UNAVAILABLE, `Upstream ${upstream} failed`, { reason: 'upstream_failed', cause: err });
}
