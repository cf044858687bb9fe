import { isAlnumCode, scanMatches, type Detector, type Span } from './detector.js';

// Local part and domain as plain character runs (no nested label repetition); the domain's
// label structure is then checked in code, within the at most 253 characters matched.
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}/g;

const TLD = /^[A-Za-z]{2,24}$/;

/** A DNS label: 1–63 letters, digits or inner hyphens. */
function isLabel(label: string): boolean {
  if (label.length === 0 || label.length > 63) return false;
  if (label.startsWith('-') || label.endsWith('-')) return false;
  for (let i = 0; i < label.length; i += 1) {
    const code = label.charCodeAt(i);
    if (!isAlnumCode(code) && code !== 45) return false;
  }
  return true;
}

/** Length of the longest valid domain at the start of `candidate` after trimming `.`/`-`, or 0. */
function validDomainLength(candidate: string): number {
  let end = candidate.length;
  while (end > 0 && (candidate[end - 1] === '.' || candidate[end - 1] === '-')) end -= 1;
  const domain = candidate.slice(0, end);
  const labels = domain.split('.');
  if (labels.length < 2) return 0;
  if (!TLD.test(labels[labels.length - 1] ?? '')) return 0;
  return labels.every(isLabel) ? end : 0;
}

function accept(match: RegExpExecArray): Span | null {
  const at = match[0].indexOf('@');
  // cheap rejection first: adversarial "a@a@a@…" yields a candidate every two characters
  if (match[0].indexOf('.', at) < 0) return null;
  const local = match[0].slice(0, at);
  if (local.startsWith('.') || local.endsWith('.')) return null;
  const domainLength = validDomainLength(match[0].slice(at + 1));
  if (domainLength === 0) return null;
  return { start: match.index, end: match.index + at + 1 + domainLength };
}

/** E-mail addresses (`local@domain.tld`, domain labels and TLD validated). */
export const emailDetector: Detector = {
  kind: 'email',
  patterns: [EMAIL],
  scan: (text, emit) => scanMatches(EMAIL, text, accept, emit),
};
