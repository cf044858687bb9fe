import { describe, expect, it } from 'vitest';
import { BATCH_MAX, parseBatch } from './batch.js';

const item = (target: string, type = 'ip') => ({ type, target });

describe('parseBatch', () => {
  it('returns canonical targets in order', () => {
    expect(
      parseBatch({ targets: [item('::ffff:203.0.113.9'), item('Example.COM', 'domain')] }),
    ).toEqual({
      ok: true,
      targets: [
        { type: 'ip', target: '203.0.113.9' },
        { type: 'domain', target: 'example.com' },
      ],
    });
  });

  it(`accepts ${BATCH_MAX} targets and refuses ${BATCH_MAX + 1}`, () => {
    expect(
      parseBatch({ targets: Array.from({ length: BATCH_MAX }, (_, i) => item(`192.0.2.${i}`)) }).ok,
    ).toBe(true);
    const tooMany = parseBatch({
      targets: Array.from({ length: BATCH_MAX + 1 }, () => item('192.0.2.1')),
    });
    expect(tooMany).toMatchObject({
      ok: false,
      errors: [{ field: 'targets', message: 'targets must contain at most 100 items' }],
    });
  });

  it('names every bad item by its index', () => {
    const result = parseBatch({
      targets: [
        item('999.1.1.1'),
        item('ok.example', 'domain'),
        item('../etc', 'domain'),
        'x',
        { ...item('1.1.1.1'), extra: 1 },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual([
      'targets[0].target',
      'targets[2].target',
      'targets[3]',
      'targets[4].extra',
    ]);
  });

  it.each([
    [undefined, '(root)'],
    [[], '(root)'],
    [{}, 'targets'],
    [{ targets: [] }, 'targets'],
    [{ targets: {} }, 'targets'],
    [{ targets: [item('1.1.1.1')], more: true }, 'more'],
  ])('refuses %j naming %s', (body, field) => {
    expect(parseBatch(body)).toMatchObject({ ok: false, errors: [{ field }] });
  });
});
