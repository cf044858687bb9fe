import http from 'node:http';

/** What a raw request got back. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/** One request sent byte for byte (no URL normalisation, no header fix-ups, any body bytes). */
export interface RawRequest {
  method?: string;
  path: string;
  /** Sent as given; an array value repeats the header. */
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/**
 * Sends `request` to `baseUrl` with `node:http`, which, unlike fetch, keeps `..` and `%2e`
 * segments, repeated headers and bodies whose Content-Type does not match them.
 */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            const parsed: unknown = JSON.parse(text);
            if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${request.path}`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Strings that must never appear in an answer: stack frames and source paths. */
export const INTERNALS = [
  /\bat (?:[\w$.<>[\] ]+ \()?(?:file:\/\/|node:|\/)[^\s"()]*:\d+:\d+/,
  /node_modules/,
  /\/(?:src|test|libs|apps)\/[\w./-]+\.[jt]s\b/,
];

/** Whether `text` shows a stack trace or a source path. */
export function leaksInternals(text: string): boolean {
  return INTERNALS.some((re) => re.test(text));
}

/**
 * Authorization header values that must not pass for `token`: missing or malformed schemes, the
 * token almost right, two credentials in one header, and (as an array) a repeated header.
 */
export function wrongBearerHeaders(token: string): Array<string | string[]> {
  return [
    '',
    'Bearer',
    'Bearer ',
    `Bearer  ${token}`,
    `Bearer\t${token}`,
    `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
    `Token ${token}`,
    token,
    `Bearer ${token.slice(0, -1)}`,
    `Bearer ${token}x`,
    `Bearer ${token.toUpperCase()}`,
    `Bearer ${token}, Bearer x`,
    `Bearer x, Bearer ${token}`,
    `Bearer ${'A'.repeat(10_000)}`,
    ['Bearer wrong-token-0123456789', `Bearer ${token}`],
  ];
}
