import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';
import { redact } from '../redact.js';

const hits = (text: string) =>
  detect(text, { kinds: ['password'] }).map((f) => text.slice(f.start, f.end));
const redacted = (text: string) => redact(text, { kinds: ['password'] }).text;
const R = '[REDACTED:password]';

describe('password', () => {
  it('finds password-like assignments in query strings, env files and JSON', () => {
    expect(hits('GET /login?user=bob&password=hunter2&x=1')).toEqual(['hunter2']);
    expect(hits('DB_PASSWORD=s3cr3t!')).toEqual(['s3cr3t!']);
    expect(hits('{"api_key": "correct horse battery"}')).toEqual(['correct horse battery']);
    expect(hits(`client_secret: 'abc def'`)).toEqual(['abc def']);
    expect(hits('{\\"token\\":\\"t0k3n\\"}')).toEqual(['t0k3n']);
  });

  it('leaves a value that is already a redaction marker alone (redacting twice changes nothing)', () => {
    expect(hits('pwd= [REDACTED:github_token]')).toEqual([]);
    expect(hits('{"token":"[REDACTED:jwt]"}')).toEqual([]);
    expect(hits(`password=${R} next`)).toEqual([]);
    expect(hits('password=[REDACTED:email]hunter2')).toEqual(['hunter2']); // what follows it is read
    expect(hits('password=[REDACTED:]x')).toEqual(['[REDACTED:]x']); // not a marker
    for (const text of [
      `pwd= ghp_${'a'.repeat(36)}`,
      'x token: eyJabcde.eyJxy.sig',
      'secret= AKIAABCDEFGHIJKLMNOP',
      '1.2.3.4token: 5.6.7.8', // kinds with digits (ipv4, ipv6); the name is found on a second pass only
      '10.0.0.1password=fe80::1',
      `{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}`,
    ]) {
      const once = redact(text).text;
      expect(once).not.toContain('[REDACTED:password]');
      expect(redact(once).text).toBe(once);
    }
  });

  it('ends a URL query value at & (the next parameter), also after a prefixed name', () => {
    expect(redacted('/login?password=a&b')).toBe(`/login?password=${R}&b`);
    expect(redacted('/login?user=bob&password=hunter2&next=1')).toBe(
      `/login?user=bob&password=${R}&next=1`,
    );
    expect(redacted('/cb?db_password=x=y#z&next=1')).toBe(`/cb?db_password=${R}&next=1`);
    expect(hits('?password=&token=')).toEqual([]); // empty parameters
  });

  it('keeps &, = and # inside an unquoted value outside a URL query', () => {
    expect(redacted('password=a&b')).toBe(`password=${R}`);
    expect(redacted('password=hunter2&next=1')).toBe(`password=${R}`);
    expect(redacted('DB_PASSWORD=p&ss=w#rd\nHOST=db')).toBe(`DB_PASSWORD=${R}\nHOST=db`);
    expect(redacted('secret: a&b#c=d end')).toBe(`secret: ${R} end`);
    expect(redacted('x db_password=&lead')).toBe(`x db_password=${R}`);
  });

  it('ends an unquoted value at whitespace, ; and ,', () => {
    expect(redacted('pwd=a&b c')).toBe(`pwd=${R} c`);
    expect(redacted('pwd=a&b;user=c')).toBe(`pwd=${R};user=c`);
    expect(redacted('pwd=a&b,user=c')).toBe(`pwd=${R},user=c`);
  });

  it('runs a quoted value to its closing quote, escapes, &, =, # and spaces included', () => {
    expect(redacted('{"password":"a&b=c#d e"}')).toBe(`{"password":"${R}"}`);
    expect(redacted('password: "a&b"')).toBe(`password: "${R}"`);
    expect(redacted(`password='a&b=#'; next`)).toBe(`password='${R}'; next`);
    expect(redacted('{"password":"a\\"b&c","u":1}')).toBe(`{"password":"${R}","u":1}`);
    expect(redacted('{"password":"a\\\\","u":1}')).toBe(`{"password":"${R}","u":1}`);
    expect(redacted(`secret: 'it\\'s&x'`)).toBe(`secret: '${R}'`);
  });

  it('runs a value quoted inside a JSON string to its escaped closing quote', () => {
    // {"log":"{\"password\":\"a\\\"b&c\"}"}: the inner value is a"b&c
    const nested = '{\\"password\\":\\"a\\\\\\"b&c\\\\\\\\\\"}';
    expect(redacted(nested)).toBe(`{\\"password\\":\\"${R}\\"}`);
    expect(redacted('{\\"token\\":\\"a\\nb\\",\\"u\\":1}')).toBe(
      `{\\"token\\":\\"${R}\\",\\"u\\":1}`,
    );
  });

  it('never runs a value past the line end or its length bound', () => {
    expect(redacted('password: "open\nnext line"')).toBe(`password: "${R}\nnext line"`);
    const long = 'x'.repeat(600);
    expect(hits(`password=${long}`)).toEqual(['x'.repeat(512)]);
  });

  it('ignores names without an assignment and empty values', () => {
    expect(hits('password reset email sent')).toEqual([]);
    expect(hits('password= ;token=')).toEqual([]);
    expect(hits('password: ""')).toEqual([]);
    expect(hits('input_tokens: 512')).toEqual([]);
  });

  it('hides every character of a value holding &, = and #, in each format', () => {
    const value = fc.string({
      unit: fc.constantFrom(...'aZ9!&=#%$'.split('')),
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(value, (v) => {
        for (const text of [
          `password=${v}`,
          `password: "${v}"`,
          `{"password":"${v}"}`,
          `pwd='${v}'`,
        ]) {
          expect(hits(text)).toEqual([v]);
        }
        const first = v.split('&')[0] ?? '';
        expect(hits(`/x?password=${v}`)).toEqual(first === '' ? [] : [first]);
      }),
    );
  });
});
