import { DETECTORS } from './detectors/index.js';
import { SensitiveDataError } from './errors.js';
import { isSensitiveKind, kindPriority, SENSITIVE_KINDS, type SensitiveKind } from './kinds.js';

/** One piece of sensitive data: `text.slice(start, end)` (UTF-16 offsets, `end` exclusive). */
export interface Finding {
  readonly kind: SensitiveKind;
  readonly start: number;
  readonly end: number;
}

/** Options of {@link detect}. */
export interface DetectOptions {
  /** The kinds to look for; default all of {@link SENSITIVE_KINDS}. An unknown kind throws. */
  readonly kinds?: readonly SensitiveKind[];
}

interface Candidate {
  kind: SensitiveKind;
  start: number;
  end: number;
}

/**
 * Finds secrets and personal data in `text`. Each requested kind makes one linear pass; the
 * findings of all kinds are then merged so that the result is sorted and non-overlapping:
 * overlapping spans become one span (their union, so nothing any detector flagged is left
 * out) reported as the most specific kind involved (see {@link SENSITIVE_KINDS}).
 */
export function detect(text: string, options: DetectOptions = {}): Finding[] {
  return detectResolved(text, resolveKinds(options.kinds));
}

/**
 * {@link detect} with kinds already checked by {@link resolveKinds}: callers scanning many
 * strings with the same options (e.g. `redactDeep`) validate them once, not per string.
 */
export function detectResolved(text: string, kinds: readonly SensitiveKind[]): Finding[] {
  const candidates: Candidate[] = [];
  collecting = candidates;
  try {
    for (const kind of kinds) {
      collectingKind = kind;
      DETECTORS[kind].scan(text, collect);
    }
  } finally {
    collecting = IDLE; // not holding on to this call's candidates
  }
  return candidates.length === 0 ? [] : mergeOverlaps(candidates);
}

// Detectors report through this one module-level callback rather than a closure made per
// string and kind (and named at run time under esbuild's keepNames, as tsx runs it): detectors
// are synchronous and never call back into detect, so the current target cannot change under
// them.
const IDLE: Candidate[] = [];
let collecting = IDLE;
let collectingKind: SensitiveKind = 'password';
function collect(start: number, end: number): void {
  collecting.push({ kind: collectingKind, start, end });
}

// A caller passing the same frozen list on every call (a sanitizer policy) has it checked once.
const resolvedFrozen = new WeakMap<readonly SensitiveKind[], readonly SensitiveKind[]>();

/**
 * The requested kinds, deduplicated; throws {@link SensitiveDataError} `UNKNOWN_KIND` for a
 * name that is not a kind (a typo in a sanitizer policy must not silently disable a detector).
 * The answer for a frozen list is remembered (it cannot change); other lists are checked anew.
 */
export function resolveKinds(
  kinds: readonly SensitiveKind[] | undefined,
): readonly SensitiveKind[] {
  if (kinds === undefined) return SENSITIVE_KINDS;
  const known = resolvedFrozen.get(kinds);
  if (known !== undefined) return known;
  const resolved = checkKinds(kinds);
  if (typeof kinds === 'object' && Object.isFrozen(kinds)) resolvedFrozen.set(kinds, resolved);
  return resolved;
}

function checkKinds(kinds: readonly SensitiveKind[]): readonly SensitiveKind[] {
  for (const kind of kinds as readonly unknown[]) {
    if (!isSensitiveKind(kind)) {
      throw new SensitiveDataError(
        'UNKNOWN_KIND',
        `unknown sensitive-data kind: ${JSON.stringify(kind)}`,
      );
    }
  }
  return Object.freeze([...new Set(kinds)]);
}

function mergeOverlaps(candidates: Candidate[]): Finding[] {
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Candidate[] = [];
  for (const next of candidates) {
    const last = merged[merged.length - 1];
    if (last && next.start < last.end) {
      last.end = Math.max(last.end, next.end);
      if (kindPriority(next.kind) < kindPriority(last.kind)) last.kind = next.kind;
    } else {
      merged.push({ ...next });
    }
  }
  return merged.map(({ kind, start, end }) => Object.freeze({ kind, start, end }));
}
