import { isHostname, isIpAddress, type TimeRange } from '@mcpgw/tool-schemas';

/** What the offline planner found in a message, in order of appearance, without repeats. */
export interface Entities {
  readonly ips: string[];
  readonly domains: string[];
  readonly apiIds: string[];
  readonly timeRange: TimeRange;
  /** The message asks about earlier conversations. */
  readonly recall: boolean;
}

// Candidates only; each is confirmed by the same validators the tool schemas use.
const IPV4 = /(?<![\d.:])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g;
const HOSTNAME = /(?<![\p{L}\p{N}@._-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}(?![\p{L}\p{N}_-]|\.[\p{L}\p{N}])/gu;
const API_KEYWORD_ID = /\bapi(?:[ _-]?id)?\s*[:=]\s*["'`]?([A-Za-z0-9._:-]{2,128})/gi;
const API_ID_PHRASE = /\bapi[ _-]?id\s+["'`]?([A-Za-z0-9._:-]{2,128})/gi;
const WORD_BEFORE_API = /\b([A-Za-z0-9][A-Za-z0-9._:-]{1,127})\s+api\b/gi;
const API_BEFORE_WORD = /\bapi\s+["'`]?([A-Za-z0-9][A-Za-z0-9._:-]{1,127})/gi;
const NAMED_API = /(?<![A-Za-z0-9._:-])([A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*[-_]api(?:[-_.][A-Za-z0-9]+)*)(?![A-Za-z0-9._:-])/gi;
const RECALL = /\b(earlier|previous(?:ly)?|before|remember|recall|last time|history|discussed|we (?:found|saw|checked))\b/i;

// Words that surround "API" in questions but are not API ids.
const NOT_AN_API = new Set(
  ('the this that an a my our your which what for of about on in to from its their analytics traffic usage stats statistics ' +
    'errors error latency calls requests report metrics check show tyk rest http gateway key keys id ids and or over is was')
    .split(' '),
);
// Last labels that look like domains in prose but are file names.
const FILE_EXTENSIONS = new Set(['txt', 'log', 'json', 'yaml', 'yml', 'csv', 'pdf', 'exe', 'js', 'ts', 'md', 'zip', 'gz', 'png', 'jpg', 'html', 'xml', 'conf', 'ini', 'sh', 'py']);

/** Finds IP addresses, domains, API ids, the analytics window and a recall request in `message`. */
export function extractEntities(message: string): Entities {
  const ips = unique([...matches(message, IPV4), ...matches(message, IPV6)].filter((c) => isIpAddress(c)));
  const domains = unique(
    matches(message, HOSTNAME)
      .map((d) => d.toLowerCase())
      .filter((d) => isHostname(d) && !FILE_EXTENSIONS.has(d.slice(d.lastIndexOf('.') + 1))),
  );
  const apiIds = unique(
    [
      ...groups(message, API_KEYWORD_ID),
      ...groups(message, API_ID_PHRASE),
      ...groups(message, WORD_BEFORE_API),
      ...groups(message, API_BEFORE_WORD).filter((id) => /[\d_-]/.test(id)),
      ...groups(message, NAMED_API),
    ]
      .map((id) => id.replace(/[.:]+$/, ''))
      .filter((id) => id.length >= 2 && !NOT_AN_API.has(id.toLowerCase()) && !isIpAddress(id) && !domains.includes(id.toLowerCase())),
  );
  return { ips, domains, apiIds, timeRange: timeRangeOf(message), recall: RECALL.test(message) };
}

/** The analytics window a message asks for; `24h` unless it names a week or a month. */
export function timeRangeOf(message: string): TimeRange {
  const text = message.toLowerCase();
  if (/\b(30d|30 days|month|monthly)\b/.test(text)) return '30d';
  if (/\b(7d|7 days|week|weekly)\b/.test(text)) return '7d';
  return '24h';
}

function matches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[0]);
}

function groups(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].flatMap((m) => (m[1] ? [m[1]] : []));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
