import { describe, expect, it } from 'vitest';
import { normalizeLevel, parseTimestamp } from './log-record.js';
import { parseNginxTime } from './nginx.js';
import { parseLine } from './parse-line.js';

describe('parseLine', () => {
  it('reads JSON lines: time, level, message and flattened fields', () => {
    const line = parseLine(
      '{"timestamp":"2026-11-20T08:00:52.407Z","level":"ERROR","msg":"upstream timeout","status":503,"http":{"path":"/stock","ok":false},"tags":["a"]}',
    );
    expect(line).toEqual({
      format: 'json',
      time: Date.parse('2026-11-20T08:00:52.407Z'),
      level: 'error',
      message: 'upstream timeout',
      fields: {
        timestamp: '2026-11-20T08:00:52.407Z',
        level: 'ERROR',
        msg: 'upstream timeout',
        status: 503,
        'http.path': '/stock',
        'http.ok': false,
      },
    });
  });

  it('reads pino-style numeric levels and epoch times', () => {
    const line = parseLine('{"time":1763625652407,"level":50,"msg":"boom"}');
    expect(line).toMatchObject({ level: 'error', time: 1763625652407 });
    expect(parseLine('{"ts":1763625652,"level":30}')).toMatchObject({
      level: 'info',
      time: 1763625652000,
    });
  });

  it('reads nginx access lines, with the level taken from the status', () => {
    const line = parseLine(
      '203.0.113.7 - bob [20/Nov/2026:09:00:02 +0100] "GET /admin HTTP/1.1" 401 4627 "-" "sqlmap/1.8"',
    );
    expect(line).toEqual({
      format: 'nginx',
      time: Date.parse('2026-11-20T08:00:02Z'),
      level: 'warn',
      message: 'GET /admin HTTP/1.1',
      fields: {
        remote_addr: '203.0.113.7',
        remote_user: 'bob',
        time_local: '20/Nov/2026:09:00:02 +0100',
        request: 'GET /admin HTTP/1.1',
        method: 'GET',
        path: '/admin',
        protocol: 'HTTP/1.1',
        status: 401,
        body_bytes_sent: 4627,
        http_referer: '-',
        http_user_agent: 'sqlmap/1.8',
      },
    });
    expect(
      parseLine('2001:db8::17 - - [20/Nov/2026:09:31:30 +0000] "GET / HTTP/1.1" 502 -'),
    ).toMatchObject({
      format: 'nginx',
      level: 'error',
      fields: { remote_user: null, body_bytes_sent: 0 },
    });
  });

  it('reads timestamped text lines with a level word', () => {
    expect(
      parseLine('2026-11-20 09:15:00,120 [WARN]  worker: queue depth=900 user="bob smith" x='),
    ).toEqual({
      format: 'text',
      time: Date.parse('2026-11-20T09:15:00.120Z'), // no offset: UTC
      level: 'warn',
      message: 'worker: queue depth=900 user="bob smith" x=',
      fields: { depth: '900', user: 'bob smith' },
    });
    expect(parseLine('2026-11-20T09:15:00+02:00 ERROR: disk full')).toMatchObject({
      level: 'error',
      message: 'disk full',
      time: Date.parse('2026-11-20T07:15:00Z'),
    });
  });

  it('keeps anything else as plain text', () => {
    expect(parseLine('just words')).toEqual({ format: 'text', message: 'just words', fields: {} });
    expect(parseLine('{not json')).toEqual({ format: 'text', message: '{not json', fields: {} });
    expect(parseLine('[1,2]')).toMatchObject({ format: 'text' });
  });
});

describe('log-record helpers', () => {
  it('normalises level words and numbers', () => {
    expect(['WARNING', 'warn', 'Err', 'crit', 'notice', 'verbose'].map(normalizeLevel)).toEqual([
      'warn',
      'warn',
      'error',
      'fatal',
      'info',
      'trace',
    ]);
    expect(normalizeLevel('loud')).toBeUndefined();
    expect(normalizeLevel(60)).toBe('fatal');
    expect(normalizeLevel(10)).toBe('trace');
  });

  it('parses ISO strings and epoch numbers only', () => {
    expect(parseTimestamp('2026-11-20T08:00:00Z')).toBe(Date.parse('2026-11-20T08:00:00Z'));
    expect(parseTimestamp('Nov 20 2026')).toBeUndefined();
    expect(parseTimestamp('2026-13-45T99:99')).toBeUndefined();
    expect(parseTimestamp(-5)).toBeUndefined();
    expect(parseNginxTime('20/Foo/2026:09:00:02 +0000')).toBeUndefined();
  });
});
