import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedaction, maskSecrets, redact } from './redact.js';
import { createKeyMatcher, DEFAULT_REDACT_KEYS, REDACTED } from './redact-patterns.js';

const SECRET = 'S3cr3tV4lu3-abcdefghijkl';

describe('redact: sensitive keys', () => {
  it.each(DEFAULT_REDACT_KEYS.map((key) => [key]))('redacts the value under %s', (key) => {
    expect(redact({ [key]: SECRET, other: 'kept' })).toEqual({ [key]: REDACTED, other: 'kept' });
  });

  it.each([
    ['Authorization'],
    ['PROXY_AUTHORIZATION'],
    ['X-Api-Key'],
    ['xApiKey'],
    ['Mcp-Session-Id'],
    ['serviceToken'],
    ['webhook_secret'],
    ['clientSecret'],
    ['db.password'],
  ])('matches %s regardless of case and separators', (key) => {
    expect(redact({ [key]: SECRET })).toEqual({ [key]: REDACTED });
  });

  it.each([
    ['input_tokens'],
    ['gen_ai.usage.output_tokens'],
    ['token_type'],
    ['tool'],
    ['session'],
  ])('keeps the non-secret key %s', (key) => {
    expect(redact({ [key]: 42 })).toEqual({ [key]: 42 });
  });

  it('redacts whole subtrees under a sensitive key, e.g. tool arguments', () => {
    expect(
      redact({ params: { name: 'log_store', arguments: { query: 'x', nested: [1, 2] } } }),
    ).toEqual({
      params: { name: 'log_store', arguments: REDACTED },
    });
  });

  it('redacts nested objects and objects inside arrays', () => {
    const input = {
      a: { b: { headers: { cookie: SECRET, accept: 'json' } } },
      list: [{ password: SECRET }, 'x'],
    };
    expect(redact(input)).toEqual({
      a: { b: { headers: { cookie: REDACTED, accept: 'json' } } },
      list: [{ password: REDACTED }, 'x'],
    });
  });

  it('does not modify its input', () => {
    const input = { token: SECRET, nested: { password: SECRET } };
    redact(input);
    expect(input).toEqual({ token: SECRET, nested: { password: SECRET } });
  });

  it('accepts extra keys', () => {
    const redaction = createRedaction({ keys: ['ssn'] });
    expect(redaction.redact({ SSN: '123', token: SECRET })).toEqual({
      SSN: REDACTED,
      token: REDACTED,
    });
  });
});

describe('redact: value patterns', () => {
  it.each([
    ['Bearer token', `auth Bearer ${SECRET} done`, `auth Bearer ${REDACTED} done`],
    ['lower-case bearer', `bearer ${SECRET}`, `bearer ${REDACTED}`],
    ['Basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', `Basic ${REDACTED}`],
    ['repeated scheme word', `Bearer Bearer ${SECRET}`, `Bearer Bearer ${REDACTED}`],
    [
      'JWT',
      'jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX3NpZ25hdHVyZQ end',
      `jwt=${REDACTED} end`,
    ],
    ['unsigned JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', REDACTED],
    ['mcpgw API key', `key mcpgw_${SECRET}`, `key mcpgw_${REDACTED}`],
    ['Anthropic key', `sk-ant-api03-${SECRET}`, `sk-ant-${REDACTED}`],
    ['URL password', `https://alice:${SECRET}@example.com/x`, `https://${REDACTED}@example.com/x`],
    [
      'URL password, empty user',
      `redis://:${SECRET}@redis:6379/0`,
      `redis://${REDACTED}@redis:6379/0`,
    ],
  ])('masks a %s', (_name, input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it.each([
    ['a short word after Bearer', 'Bearer of news'],
    ['a URL without password', 'https://alice@example.com/path?x=1'],
    ['a plain sentence', 'tool call finished in 12 ms'],
    ['a base64 value not starting eyJ', 'aGVsbG8.d29ybGQ.Zm9v'],
  ])('leaves %s alone', (_name, input) => {
    expect(maskSecrets(input)).toBe(input);
  });

  it('masks strings at any depth, in arrays and in Map/Set values', () => {
    const out = redact({
      a: [{ b: `Bearer ${SECRET}` }],
      m: new Map([['k', `mcpgw_${SECRET}`]]),
      s: new Set([`sk-ant-${SECRET}`]),
    });
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  it('accepts extra patterns and makes them global', () => {
    const redaction = createRedaction({
      patterns: [{ name: 'pin', pattern: /PIN-\d{4}/, replacement: 'PIN-****' }],
    });
    expect(redaction.mask('PIN-1234 and PIN-5678')).toBe('PIN-**** and PIN-****');
  });

  it('still masks every default pattern next to an extra pattern without a hint', () => {
    const redaction = createRedaction({
      patterns: [{ name: 'pin', pattern: /PIN-\d{4}/, replacement: 'PIN-****' }],
    });
    expect(redaction.mask(`PIN-1234 bEaReR ${SECRET}`)).toBe(`PIN-**** bEaReR ${REDACTED}`);
  });

  it('skips the joined pre-check when a hint would change meaning in it (flags, backreferences)', () => {
    const redaction = createRedaction({
      patterns: [
        { name: 'line-token', pattern: /^token\d+/m, hint: /^token/m, replacement: 'token-****' },
      ],
    });
    expect(redaction.mask('first line\ntoken123')).toBe('first line\ntoken-****');
  });

  it('masks whatever the case of the scheme, with the quick pre-check on (default patterns only)', () => {
    expect(maskSecrets(`BEARER ${SECRET}`)).toBe(`BEARER ${REDACTED}`);
    expect(maskSecrets('plain text without secrets')).toBe('plain text without secrets');
  });

  it('stays fast on adversarial input (linear-time patterns)', () => {
    const inputs = [
      'eyJ'.repeat(50_000),
      'eyJa.'.repeat(30_000),
      'mcpgw_'.repeat(30_000),
      'Bearer '.repeat(30_000),
      'a'.repeat(150_000) + '://',
      'http://' + ':'.repeat(150_000),
    ];
    // CPU time, not elapsed: other test processes preempt this one on a busy machine.
    const started = process.cpuUsage();
    for (const input of inputs) createRedaction({ maxStringLength: 1_000_000 }).mask(input);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(1_000);
  });

  it('truncates very long strings after masking', () => {
    const out = createRedaction({ maxStringLength: 10 }).mask(`${'x'.repeat(20)}`);
    expect(out).toBe(`${'x'.repeat(10)}…[truncated]`);
  });
});

describe('redact: structure', () => {
  it('replaces cycles and keeps shared references', () => {
    const shared = { v: 1 };
    const node: Record<string, unknown> = { name: 'root', left: shared, right: shared };
    node['self'] = node;
    node['list'] = [node];
    expect(redact(node)).toEqual({
      name: 'root',
      left: { v: 1 },
      right: { v: 1 },
      self: '[Circular]',
      list: ['[Circular]'],
    });
  });

  it('bounds the depth', () => {
    let deep: Record<string, unknown> = { token: SECRET };
    for (let i = 0; i < 50; i += 1) deep = { next: deep };
    const text = JSON.stringify(createRedaction({ maxDepth: 5 }).redact(deep));
    expect(text).toBe('{"next":{"next":{"next":{"next":{"next":"[Truncated]"}}}}}');
  });

  it('serialises errors as name, message and code, with cause, and no stack by default', () => {
    const cause = new Error(`connect failed for redis://:${SECRET}@redis:6379`);
    const err = Object.assign(new TypeError('boom', { cause }), { code: 'STORE_UNAVAILABLE' });
    expect(redact({ err })).toEqual({
      err: {
        name: 'TypeError',
        message: 'boom',
        code: 'STORE_UNAVAILABLE',
        cause: { name: 'Error', message: `connect failed for redis://${REDACTED}@redis:6379` },
      },
    });
  });

  it('keeps a masked stack when asked to', () => {
    const err = new Error(`Bearer ${SECRET}`);
    const out = createRedaction({ errorStack: true }).redact(err) as Record<string, unknown>;
    expect(out['stack']).toEqual(expect.stringContaining('redact.spec.ts'));
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  it('survives self-referencing error causes', () => {
    const err = new Error('loop');
    err.cause = err;
    expect(redact(err)).toEqual({ name: 'Error', message: 'loop', cause: '[Circular]' });
  });

  it('converts values JSON cannot hold', () => {
    const out = redact({
      big: 10n,
      fn: () => 1,
      sym: Symbol('s'),
      undef: undefined,
      date: new Date(0),
      bytes: Buffer.from('secret'),
      url: new URL(`https://bob:${SECRET}@example.com/`),
      arr: [undefined, () => 1],
    });
    expect(out).toEqual({
      big: '10',
      date: '1970-01-01T00:00:00.000Z',
      bytes: '[Binary 6 bytes]',
      url: `https://${REDACTED}@example.com/`,
      arr: [null, null],
    });
  });

  it('survives throwing getters and hostile proxies', () => {
    const getter = Object.defineProperty({ ok: 1 }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('nope');
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('nope');
        },
      },
    );
    expect(redact({ getter, proxy })).toEqual({
      getter: { ok: 1, bad: '[Unreadable]' },
      proxy: '[Unserializable]',
    });
  });

  it('passes primitives through', () => {
    expect(redact(null)).toBeNull();
    expect(redact(3)).toBe(3);
    expect(redact(true)).toBe(true);
    expect(redact(`Bearer ${SECRET}`)).toBe(`Bearer ${REDACTED}`);
  });
});

describe('redaction.isClean', () => {
  const redaction = createRedaction();

  it('is true only when redacting would serialise to the same JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        if (redaction.isClean(value)) {
          expect(JSON.stringify(redaction.redact(value))).toBe(JSON.stringify(value));
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['a sensitive key', { nested: [{ api_key: 'x' }] }],
    ['a secret-looking string', { text: `Bearer ${SECRET}` }],
    ['a string over the cap', { text: 'x'.repeat(20_000) }],
    ['a Date', { at: new Date(0) }],
    ['an undefined value', { gone: undefined }],
    ['depth past the bound', JSON.parse(`${'['.repeat(12)}1${']'.repeat(12)}`) as unknown],
  ])('is false for %s', (_name, value) => {
    expect(redaction.isClean(value)).toBe(false);
  });

  it('keeps an own __proto__ key in the copy (as JSON does), so clean values serialise the same', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"list":[{"__proto__":null}]}') as unknown;
    expect(JSON.stringify(redaction.redact(value))).toBe(JSON.stringify(value));
    expect(redaction.isClean(value)).toBe(true);
  });

  it('is true for plain ids, names and numbers', () => {
    expect(
      redaction.isClean({
        request_id: 'a8c3f2d0',
        tool: 'bench__echo',
        status: 200,
        ok: true,
        none: null,
      }),
    ).toBe(true);
  });
});

describe('createKeyMatcher', () => {
  it('remembers short keys only, so hostile long keys cannot pile up in its memo', () => {
    const matches = createKeyMatcher(DEFAULT_REDACT_KEYS);
    for (let i = 0; i < 20; i += 1) expect(matches(`${'k'.repeat(100_000)}${i}`)).toBe(false);
    expect(matches(`${'k'.repeat(100_000)}_token`)).toBe(true);
    expect(matches.remembered()).toBe(0);
    expect(matches('authorization')).toBe(true);
    expect(matches.remembered()).toBe(1);
  });
});
