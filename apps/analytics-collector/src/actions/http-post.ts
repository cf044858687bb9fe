import { ActionFailedError } from '../errors.js';

/** A request an action sends. */
export interface OutgoingRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * POSTs `request`; resolves on 2xx, otherwise throws {@link ActionFailedError} whose `retryable`
 * follows HTTP (network errors, 408, 429, 5xx). Messages name the target, never the URL, which
 * may carry credentials.
 */
export async function post(
  request: OutgoingRequest,
  target: string,
  signal: AbortSignal,
): Promise<number> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      body: request.body,
      headers: request.headers,
      signal,
      redirect: 'manual',
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
    throw new ActionFailedError(`${target} unreachable`, 'network', true, undefined, {
      cause: err,
    });
  }
  // Drain the body so the connection can be reused; its content is not needed.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status >= 200 && response.status < 300) return response.status;
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new ActionFailedError(
    `${target} answered ${response.status}`,
    `http_${response.status}`,
    retryable,
    response.status,
  );
}
