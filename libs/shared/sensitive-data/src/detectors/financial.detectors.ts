import { IBAN_LENGTHS, ibanChecksumValid, luhnValid } from '../checksums.js';
import { isAlnumCode, isDigitCode, scanMatches, type Detector, type Span } from './detector.js';

// The first four digits of a card number (major networks start with 2–6, which also keeps
// 13-digit epoch-millisecond timestamps out); the rest is read by a bounded scanner.
const CARD_START = /(?<![0-9A-Za-z.,_])[2-6][0-9]{3}/g;
const MIN_CARD = 13;
const MAX_CARD = 19;

interface Boundary {
  readonly digits: number;
  readonly end: number;
}

/**
 * Reads up to 19 digits from `start`, separated by single spaces or single dashes (one kind per
 * number), and returns the longest prefix ending at a group boundary that is 13–19 digits,
 * passes Luhn and is not one repeated digit. A run of more than 19 digits with no separator is
 * a plain long number and never matches.
 */
function cardSpan(text: string, start: number): Span | null {
  const digits: number[] = [];
  const boundaries: Boundary[] = [];
  let separator = -1;
  let i = start;
  let overflow = false;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isDigitCode(code)) {
      digits.push(code - 48);
      if (digits.length > MAX_CARD) {
        overflow = true;
        break;
      }
    } else if (
      (code === 32 || code === 45) &&
      (separator === -1 || separator === code) &&
      isDigitCode(text.charCodeAt(i + 1))
    ) {
      boundaries.push({ digits: digits.length, end: i });
      separator = code;
    } else {
      break;
    }
    i += 1;
  }
  if (
    !overflow &&
    !isAlnumCode(text.charCodeAt(i)) &&
    !(text[i] === '.' && isDigitCode(text.charCodeAt(i + 1)))
  ) {
    boundaries.push({ digits: digits.length, end: i });
  }
  for (let b = boundaries.length - 1; b >= 0; b -= 1) {
    const boundary = boundaries[b];
    if (!boundary || boundary.digits < MIN_CARD || boundary.digits > MAX_CARD) continue;
    const number = digits.slice(0, boundary.digits);
    if (number.every((d) => d === number[0])) continue;
    if (luhnValid(number)) return { start, end: boundary.end };
  }
  return null;
}

/** Payment card numbers: 13–19 digits, optionally grouped by spaces or dashes, Luhn-valid. */
export const creditCardDetector: Detector = {
  kind: 'credit_card',
  patterns: [CARD_START],
  scan: (text, emit) => scanMatches(CARD_START, text, (m) => cardSpan(text, m.index), emit),
};

// Country code and check digits; the BBAN is read by a bounded scanner for the country's length.
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}/g;

function ibanSpan(text: string, start: number, country: string): Span | null {
  const length = IBAN_LENGTHS[country];
  if (length === undefined) return null;
  let compact = '';
  let i = start;
  while (compact.length < length && i < text.length) {
    const code = text.charCodeAt(i);
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90)) {
      compact += text[i];
    } else if (code !== 32 || compact.length === 0 || !isAlnumCode(text.charCodeAt(i + 1))) {
      break; // only single spaces between characters (the printed 4-character groups)
    }
    i += 1;
  }
  if (compact.length !== length || isAlnumCode(text.charCodeAt(i))) return null;
  return ibanChecksumValid(compact) ? { start, end: i } : null;
}

/** International Bank Account Numbers, printed or compact, with the country's length and mod-97 check. */
export const ibanDetector: Detector = {
  kind: 'iban',
  patterns: [IBAN_START],
  scan: (text, emit) =>
    scanMatches(IBAN_START, text, (m) => ibanSpan(text, m.index, m[0].slice(0, 2)), emit),
};
