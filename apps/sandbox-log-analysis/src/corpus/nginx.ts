import type { FieldValue, LogLevel } from './log-record.js';
import type { ParsedLine } from './parse-line.js';

// nginx "combined" (and "common", without referer and user agent). Every repetition is a run
// of characters the next literal cannot start with, so the match is linear.
const COMBINED =
  /^(\S{1,255}) \S{1,255} (\S{1,255}) \[([^\]]{1,64})\] "([^"]{0,8192})" (\d{3}) (\d{1,20}|-)(?: "([^"]{0,8192})" "([^"]{0,8192})")?/;

const MONTHS: Readonly<Record<string, string>> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/** Epoch ms of nginx `$time_local` ("20/Nov/2026:09:00:02 +0000"). */
export function parseNginxTime(value: string): number | undefined {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{2})(\d{2})$/.exec(
    value,
  );
  const month = m ? MONTHS[m[2] ?? ''] : undefined;
  if (!m || !month) return undefined;
  const ms = Date.parse(`${m[3]}-${month}-${m[1]}T${m[4]}:${m[5]}:${m[6]}${m[7]}:${m[8]}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function levelOfStatus(status: number): LogLevel {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return 'info';
}

/** Parses an nginx access-log line; the level follows the status (5xx error, 4xx warn). */
export function parseNginxLine(raw: string): ParsedLine | undefined {
  const m = COMBINED.exec(raw);
  if (!m) return undefined;
  const request = m[4] ?? '';
  const [method, path, protocol] = request.split(' ');
  const status = Number(m[5]);
  const fields: Record<string, FieldValue> = {
    remote_addr: m[1] ?? null,
    remote_user: m[2] === '-' ? null : (m[2] ?? null),
    time_local: m[3] ?? null,
    request,
    method: method ?? null,
    path: path ?? null,
    protocol: protocol ?? null,
    status,
    body_bytes_sent: m[6] === '-' ? 0 : Number(m[6]),
  };
  if (m[7] !== undefined) fields['http_referer'] = m[7];
  if (m[8] !== undefined) fields['http_user_agent'] = m[8];
  return {
    format: 'nginx',
    time: parseNginxTime(m[3] ?? ''),
    level: levelOfStatus(status),
    message: request,
    fields,
  };
}
