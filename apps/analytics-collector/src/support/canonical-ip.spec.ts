import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIp, canonicalIpValue } from './canonical-ip.js';

type Words = number[];

const hex = (w: number, upper: boolean, pad: boolean) => {
  const text = pad ? w.toString(16).padStart(4, '0') : w.toString(16);
  return upper ? text.toUpperCase() : text;
};
const dotted = (high: number, low: number) =>
  [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/** Zero runs of `words` as [start, length]. */
function zeroRuns(words: Words): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== 0) continue;
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    runs.push([i, j - i]);
    i = j;
  }
  return runs;
}

/** Joins groups, replacing groups[start, start+len) by `::`. */
function compress(groups: string[], run: [number, number] | undefined): string {
  if (!run) return groups.join(':');
  const [start, len] = run;
  return `${groups.slice(0, start).join(':')}::${groups.slice(start + len).join(':')}`;
}

/** Any RFC 4291 text form of `words`: case, leading zeros, which zero run is `::`, IPv4 tail. */
interface Style {
  upper: boolean;
  pad: boolean;
  run: number;
  ipv4Tail: boolean;
}
function render(words: Words, style: Style): string {
  const groups = words.map((w) => hex(w, style.upper, style.pad));
  if (style.ipv4Tail) groups.splice(6, 2, dotted(words[6] ?? 0, words[7] ?? 0));
  const runs = zeroRuns(words.slice(0, style.ipv4Tail ? 6 : 8));
  return compress(groups, style.run < 0 ? undefined : runs[style.run % Math.max(1, runs.length)]);
}

/**
 * Reference of the expected form: IPv4-mapped → IPv4; else RFC 5952 (lower case, no leading
 * zeros, the longest run of two or more zero groups as `::`, the first on a tie). inet_ntop also
 * prints the deprecated IPv4-compatible form (`::a.b.c.d`, first 96 bits zero) in mixed notation.
 */
function expected(words: Words): string {
  const [w6 = 0, w7 = 0] = words.slice(6);
  const zeros = (n: number) => words.slice(0, n).every((w) => w === 0);
  if (zeros(5) && words[5] === 0xffff) return dotted(w6, w7);
  if (zeros(6) && w6 !== 0) return `::${dotted(w6, w7)}`;
  const best = zeroRuns(words)
    .filter(([, len]) => len >= 2)
    .reduce<[number, number] | undefined>((a, r) => (a && a[1] >= r[1] ? a : r), undefined);
  return compress(
    words.map((w) => w.toString(16)),
    best,
  );
}

// Zeros are frequent in real addresses and make the compression cases interesting.
const word = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
const words = fc.array(word, { minLength: 8, maxLength: 8 });
const style = fc.record({
  upper: fc.boolean(),
  pad: fc.boolean(),
  run: fc.integer({ min: -1, max: 3 }),
  ipv4Tail: fc.boolean(),
});
const ipv4 = fc.ipV4();

describe('canonicalIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:CB00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8::0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['::ffff:0:102:304', '::ffff:0:102:304'],
  ])('%s → %s', (input, output) => {
    expect(canonicalIp(input)).toBe(output);
  });

  it.each(['', 'localhost', '010.1.1.1', '1.2.3', ' 1.2.3.4', 'fe80::1%eth0', '2001:db8::g'])(
    'leaves %j (not a bare IP address) as written',
    (input) => {
      expect(canonicalIp(input)).toBe(input);
    },
  );

  it('maps every text form of an IPv6 address to the RFC 5952 form, idempotently', () => {
    fc.assert(
      fc.property(words, style, style, (w, a, b) => {
        const first = canonicalIp(render(w, a));
        expect(first).toBe(canonicalIp(render(w, b)));
        expect(first).toBe(expected(w));
        expect(canonicalIp(first)).toBe(first);
      }),
      { numRuns: 2_000 },
    );
  });

  it('maps the IPv4-mapped forms of an IPv4 address to the address itself', () => {
    fc.assert(
      fc.property(ipv4, style, (address, s) => {
        const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
        const mapped = render([0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d], s);
        expect(canonicalIp(mapped)).toBe(address);
        expect(canonicalIp(address)).toBe(address);
      }),
    );
  });

  it('returns anything that is not an IP address unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => isIP(s) === 0),
        (s) => {
          expect(canonicalIp(s)).toBe(s);
        },
      ),
    );
  });

  it('canonicalIpValue touches strings only', () => {
    expect(canonicalIpValue('::FFFF:1.2.3.4')).toBe('1.2.3.4');
    expect(canonicalIpValue(42)).toBe(42);
    expect(canonicalIpValue(undefined)).toBeUndefined();
  });
});
