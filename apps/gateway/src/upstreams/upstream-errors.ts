import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { isBreakerOpenError, isTimeoutError } from '@mcpgw/resilience';
import { JsonRpcError, RPC } from '../mcp/jsonrpc.js';
import { UpstreamRpcError } from './direct-exchange.js';
import { InputRequiredError } from './input-required.js';

/** The most of an error message the client gets (cut after redaction: a cut secret escapes its pattern). */
export const MAX_RELAYED_MESSAGE_CHARS = 1024;

/**
 * An upstream's error message up to its first stack frame: an upstream that puts its stack in the
 * message must not show its code paths through the gateway. Lines never split a secret's pattern.
 */
export function relayedMessage(message: string): string {
  const frame = message.search(/\r?\n\s*at\s/);
  return frame >= 0 ? message.slice(0, frame).trimEnd() : message;
}

/** At most {@link MAX_RELAYED_MESSAGE_CHARS} of a message, once it is redacted. */
export function cappedMessage(message: string): string {
  return message.length > MAX_RELAYED_MESSAGE_CHARS ? `${message.slice(0, MAX_RELAYED_MESSAGE_CHARS)}…` : message;
}

/** An upstream answered with a JSON-RPC error of its own: relayed to the client, not a failure of the upstream. */
export function upstreamProtocolError(err: unknown): JsonRpcError | undefined {
  // Read straight from the upstream's answer: every code is the upstream's own.
  if (err instanceof UpstreamRpcError) return new JsonRpcError(err.code, relayedMessage(err.message), { data: err.data, reason: 'upstream_error' });
  // On the SDK's path the upstream's errors are ProtocolErrors; the SDK's own (timeouts, a closed
  // connection) are SdkErrors, whatever code they carry.
  if (!(err instanceof ProtocolError)) return undefined;
  return new JsonRpcError(err.code, relayedMessage(err.message.replace(/^MCP error -?\d+: /, '')), { data: err.data, reason: 'upstream_error' });
}

/** Maps a failed upstream call to the JSON-RPC error the client sees (never the raw cause). */
export function toClientError(upstream: string, err: unknown): JsonRpcError {
  if (err instanceof JsonRpcError) return err;
  const relayed = upstreamProtocolError(err);
  if (relayed) return relayed;
  if (err instanceof InputRequiredError) {
    return new JsonRpcError(RPC.UPSTREAM_UNAVAILABLE, `Upstream ${upstream}: ${err.message}`, { reason: 'input_required', cause: err });
  }
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
