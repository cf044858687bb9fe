import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { SentraipError } from '../errors.js';
import { parseRetryAfter } from './retry-after.js';

/** What the broker needs of one HTTP exchange with SentraIP. */
export interface HttpResult {
  status: number;
  header(name: string): string | undefined;
  data: unknown;
}

/** The broker's HTTP client for SentraIP: axios over keep-alive agents. */
export interface SentraipHttp {
  send(config: AxiosRequestConfig, signal: AbortSignal): Promise<HttpResult>;
  /** Closes the pooled sockets. */
  close(): void;
}

const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Creates the SentraIP client. Keep-alive agents reuse connections across lookups (a TLS
 * handshake per lookup would dominate latency); `maxSockets` bounds connections to the
 * bulkhead's concurrency plus the token endpoint. Every status is returned to the caller, which
 * decides; timeouts are the caller's AbortSignal, never axios' own timer. Proxy variables are
 * ignored (`proxy: false`) so no environment setting can reroute credentials.
 */
export function createSentraipHttp(baseUrl: string, options: { maxSockets: number }): SentraipHttp {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const client: AxiosInstance = axios.create({
    baseURL: baseUrl,
    httpAgent,
    httpsAgent,
    proxy: false,
    maxRedirects: 0,
    maxContentLength: MAX_RESPONSE_BYTES,
    responseType: 'json',
    validateStatus: () => true,
    headers: { Accept: 'application/json', 'User-Agent': 'mcpgw-sentraip-oauth-broker' },
  });
  return {
    async send(config, signal) {
      try {
        const response = await client.request({ ...config, signal });
        const headers = response.headers as Record<string, unknown>;
        return {
          status: response.status,
          header: (name) => {
            const value = headers[name.toLowerCase()];
            return typeof value === 'string' ? value : undefined;
          },
          data: response.data as unknown,
        };
      } catch (err) {
        // Our own deadline or the breaker's timeout: surface its reason (a TimeoutError).
        if (signal.aborted) throw signal.reason ?? err;
        throw transportError(err);
      }
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Maps an axios transport failure to a SentraipError without keeping axios' error (it holds the request headers). */
function transportError(err: unknown): SentraipError {
  const code = isAxiosError(err) && typeof err.code === 'string' ? err.code : 'UNKNOWN';
  if (
    code === 'ERR_BAD_RESPONSE' ||
    code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' ||
    /maxContentLength/.test(String((err as { message?: unknown }).message))
  ) {
    return new SentraipError('invalid_response', 'SentraIP sent an unreadable response');
  }
  const safeCode = /^[A-Z_]{1,40}$/.test(code) ? code : 'UNKNOWN';
  return new SentraipError('network', `SentraIP unreachable (${safeCode})`);
}

/** Maps a non-2xx status to a SentraipError: 401 unauthorized, 429 rate limited, 5xx server error. */
export function statusError(result: HttpResult, what: string): SentraipError {
  const { status } = result;
  const retryAfterMs = parseRetryAfter(result.header('retry-after'));
  if (status === 401)
    return new SentraipError('unauthorized', `SentraIP refused the ${what} (401)`, { status });
  if (status === 429) {
    return new SentraipError('rate_limited', `SentraIP rate-limited the ${what} (429)`, {
      status,
      retryAfterMs,
    });
  }
  if (status >= 500) {
    return new SentraipError('server_error', `SentraIP failed the ${what} (${status})`, {
      status,
      retryAfterMs,
    });
  }
  if (status >= 400)
    return new SentraipError('client_error', `SentraIP rejected the ${what} (${status})`, {
      status,
    });
  return new SentraipError('invalid_response', `SentraIP answered the ${what} with ${status}`, {
    status,
  });
}
