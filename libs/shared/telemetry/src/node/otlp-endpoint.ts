/** Outcome of checking an OTLP endpoint setting: a traces URL, nothing, or a warning. */
export type OtlpTracesUrl =
  { readonly url: string } | { readonly url?: undefined; readonly warning?: string };

const TRACES_PATH = '/v1/traces';

/**
 * Turns `OTEL_EXPORTER_OTLP_ENDPOINT`-style input (a base URL) into the OTLP/HTTP traces URL,
 * appending `/v1/traces` as the OTLP spec asks for the base variable; a URL that already ends
 * in `/v1/traces` is kept. Anything but an http(s) URL yields a warning instead of a throw.
 */
export function resolveOtlpTracesUrl(endpoint: string | undefined): OtlpTracesUrl {
  if (endpoint === undefined || endpoint.trim() === '') return {};
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return { warning: 'OTLP endpoint is not a valid URL; trace export disabled' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { warning: `OTLP endpoint must be http(s), got ${url.protocol}; trace export disabled` };
  }
  if (!url.pathname.endsWith(TRACES_PATH)) {
    let base = url.pathname;
    while (base.endsWith('/')) base = base.slice(0, -1);
    url.pathname = `${base}${TRACES_PATH}`;
  }
  return { url: url.href };
}
