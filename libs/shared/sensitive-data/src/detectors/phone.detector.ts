import { isAlnumCode, isDigitCode, scanMatches, type Detector, type Span } from './detector.js';

/*
 * One pass, two shapes. North-American numbers need their separators ("415-555-0134",
 * "(415) 555-0134", "1 415.555.0134"), so a bare ten-digit id, a date or a dotted IP never
 * matches. International numbers need their leading "+": the expression only finds the "+"
 * and the first digit, and the rest is read by a bounded scanner (digit groups with single
 * separators and one optional parenthesised group, 8–15 digits as in E.164).
 */
const PHONE =
  /(?<![0-9A-Za-z_+./-])(?:\+[1-9]|(?:1[ .-])?(?:\([2-9][0-9]{2}\)[ .-]?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}(?![0-9A-Za-z_]|[.-][0-9]))/g;

const MIN_DIGITS = 8;
const MAX_DIGITS = 15;
// "+" plus 15 digits plus separators and parentheses never needs more than this.
const MAX_SCAN = 40;

type Previous = 'digit' | 'separator' | 'open' | 'close';

/** End of the international number starting with "+" at `start`, or -1. */
function internationalEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + MAX_SCAN);
  let digits = 0;
  let best = -1;
  let inParen = false;
  let previous: Previous = 'separator';
  for (let i = start + 1; i < limit; i += 1) {
    const code = text.charCodeAt(i);
    if (isDigitCode(code)) {
      digits += 1;
      if (digits > MAX_DIGITS) break;
      previous = 'digit';
      // a group that ends clean (not glued to a letter) closes a candidate; the longest one wins,
      // and extra groups after it ("… 0958 2a", or digits past 15) are left as ordinary text
      if (digits >= MIN_DIGITS && !isAlnumCode(text.charCodeAt(i + 1))) best = i + 1;
    } else if (code === 32 || code === 45 || code === 46) {
      if (previous !== 'digit' && previous !== 'close') break;
      previous = 'separator';
    } else if (code === 40 && !inParen && previous !== 'open') {
      inParen = true;
      previous = 'open';
    } else if (code === 41 && inParen && previous === 'digit') {
      inParen = false;
      previous = 'close';
    } else {
      break;
    }
  }
  return best;
}

function accept(match: RegExpExecArray, text: string): Span | null {
  if (!match[0].startsWith('+')) return { start: match.index, end: match.index + match[0].length };
  const end = internationalEnd(text, match.index);
  return end < 0 ? null : { start: match.index, end };
}

/** Phone numbers in international (`+44 20 7946 0958`) and North-American formats. */
export const phoneDetector: Detector = {
  kind: 'phone',
  patterns: [PHONE],
  scan: (text, emit) => scanMatches(PHONE, text, (m) => accept(m, text), emit),
};
