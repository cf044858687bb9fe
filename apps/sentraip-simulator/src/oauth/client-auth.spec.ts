import { describe, expect, it } from 'vitest';
import { credentialsMatch, presentedClient } from './client-auth.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('presentedClient', () => {
  it('reads form-urlencoded Basic credentials (RFC 6749 §2.3.1)', () => {
    expect(presentedClient(basic('client id', 'p@ss:w/rd+'), {})).toEqual({
      kind: 'credentials',
      method: 'basic',
      id: 'client id',
      secret: 'p@ss:w/rd+',
    });
  });

  it('reads credentials from the form body', () => {
    expect(presentedClient(undefined, { client_id: 'a', client_secret: 'b' })).toEqual({
      kind: 'credentials',
      method: 'body',
      id: 'a',
      secret: 'b',
    });
  });

  it('refuses two methods at once, other schemes and malformed Basic values', () => {
    expect(presentedClient(basic('a', 'b'), { client_id: 'a' }).kind).toBe('invalid');
    expect(presentedClient('Bearer abc', {}).kind).toBe('invalid');
    expect(presentedClient(`Basic ${Buffer.from('nocolon').toString('base64')}`, {}).kind).toBe(
      'invalid',
    );
    expect(presentedClient(`Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`, {}).kind).toBe(
      'invalid',
    );
  });

  it('says none when nothing is presented', () => {
    expect(presentedClient(undefined, {})).toEqual({ kind: 'none' });
    expect(presentedClient(undefined, { client_id: 'only-id' })).toEqual({ kind: 'none' });
  });
});

describe('credentialsMatch', () => {
  it('needs both id and secret to match', () => {
    const expected = { id: 'client', secret: 'secret-123' };
    expect(credentialsMatch({ id: 'client', secret: 'secret-123' }, expected)).toBe(true);
    expect(credentialsMatch({ id: 'client', secret: 'secret-124' }, expected)).toBe(false);
    expect(credentialsMatch({ id: 'other', secret: 'secret-123' }, expected)).toBe(false);
  });
});
