/**
 * Returns `url` with its password (a username-only credential too, and credential-like query
 * parameters) replaced by `***`, for logs and error messages. Unparseable input yields a fixed
 * placeholder rather than the raw text, which could hold a secret.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid url>';
  }
  if (parsed.password) parsed.password = '***';
  else if (parsed.username) parsed.username = '***';
  // ioredis also reads options from the query string (`?password=...`).
  for (const name of [...parsed.searchParams.keys()]) {
    if (/pass|auth|secret|token/i.test(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}
