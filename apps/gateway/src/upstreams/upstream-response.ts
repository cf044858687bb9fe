/**
 * The most an upstream may send for one request. Results are relayed whole, so this bounds the
 * memory one misbehaving upstream can take from the gateway.
 */
export const MAX_UPSTREAM_RESPONSE_BYTES = 32 * 1024 * 1024;

/** The upstream's answer was not a JSON-RPC response to the request (garbage, wrong id, too large). */
export class UpstreamResponseError extends Error {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamResponseError';
  }
}
