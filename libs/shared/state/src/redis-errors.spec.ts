import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { StoreError, StoreUnavailableError, StoreWaitTimeoutError } from './errors.js';
import { toStateStoreError } from './redis-errors.js';

function reply(message: string): Error {
  return new (ReplyError as unknown as new (message: string) => Error)(message);
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('toStateStoreError', () => {
  it.each([
    [new Error('Command timed out'), 'timeout'],
    [new Error('Connection is closed.'), 'disconnected'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'disconnected'],
    [withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'), 'disconnected'],
    [withCode('read ECONNRESET', 'ECONNRESET'), 'disconnected'],
    [
      Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }),
      'disconnected',
    ],
    [reply('LOADING Redis is loading the dataset in memory'), 'server_busy'],
    [reply('READONLY You can not write against a read only replica.'), 'server_busy'],
    [reply('BUSY Redis is busy running a script.'), 'server_busy'],
    [reply('NOAUTH Authentication required.'), 'auth_failed'],
  ])('maps %s to StoreUnavailableError(%s) keeping the cause', (err, reason) => {
    const mapped = toStateStoreError(err);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect(mapped).toMatchObject({ code: 'STORE_UNAVAILABLE', reason, cause: err });
    expect(mapped.message).toBe(`state store unavailable (${reason})`);
  });

  it.each([
    [reply('WRONGTYPE Operation against a key holding the wrong kind of value'), 'wrong_type'],
    [reply("NOGROUP No such key 'x' or consumer group 'g'"), 'no_group'],
    [reply('ERR value is not an integer or out of range'), 'not_integer'],
    [reply('ERR syntax error'), 'command_error'],
    [new TypeError('a bug'), 'command_error'],
  ])('maps %s to StoreError(%s)', (err, reason) => {
    const mapped = toStateStoreError(err);
    expect(mapped).toBeInstanceOf(StoreError);
    expect(mapped).toMatchObject({ code: 'STORE_ERROR', reason, cause: err });
  });

  it('passes this lib’s errors through and wraps non-errors', () => {
    const own = new StoreWaitTimeoutError('k', 10);
    expect(toStateStoreError(own)).toBe(own);
    expect(toStateStoreError('boom')).toMatchObject({ code: 'STORE_ERROR', cause: 'boom' });
  });
});
