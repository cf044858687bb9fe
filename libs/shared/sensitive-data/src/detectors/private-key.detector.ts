import type { Detector, Emit } from './detector.js';

// BEGIN and END markers of PEM/OpenSSH/PGP private keys, found in one pass and paired in code, so
// the key body between them (any length, possibly with escaped "\n") costs no regex work at all.
const MARKER = /-----(BEGIN|END) [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;

// A truncated key (BEGIN without END) is redacted through the base64 body that follows it.
const MAX_UNTERMINATED_BODY = 65_536;

function isBodyCode(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 43 || // +
    code === 47 || // /
    code === 61 || // =
    code === 92 || // \ of an escaped newline
    code === 32 ||
    code === 9 ||
    code === 10 ||
    code === 13 ||
    code === 58 || // : of "Proc-Type:" style headers
    code === 45 // - of header names and the closing dashes
  );
}

function scan(text: string, emit: Emit): void {
  let open = -1;
  let openBodyFrom = -1;
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m !== null; m = MARKER.exec(text)) {
    if (m[1] === 'BEGIN') {
      // a second BEGIN inside an open block belongs to it (the block is redacted as a whole)
      if (open < 0) {
        open = m.index;
        openBodyFrom = m.index + m[0].length;
      }
    } else if (open >= 0) {
      emit(open, m.index + m[0].length);
      open = -1;
    }
  }
  MARKER.lastIndex = 0;
  if (open >= 0) {
    let end = openBodyFrom;
    const limit = Math.min(text.length, openBodyFrom + MAX_UNTERMINATED_BODY);
    while (end < limit && isBodyCode(text.charCodeAt(end))) end += 1;
    emit(open, end);
  }
}

/** `-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----` blocks (PEM, OpenSSH, PGP). */
export const privateKeyDetector: Detector = { kind: 'private_key', patterns: [MARKER], scan };
