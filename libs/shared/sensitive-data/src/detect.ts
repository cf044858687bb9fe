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
  const candidates: Candidate[] = [];
  for (const kind of resolveKinds(options.kinds)) {
    DETECTORS[kind].scan(text, (start, end) => candidates.push({ kind, start, end }));
  }
  return mergeOverlaps(candidates);
}

/**
 * The requested kinds, deduplicated; throws {@link SensitiveDataError} `UNKNOWN_KIND` for a
 * name that is not a kind (a typo in a sanitizer policy must not silently disable a detector).
 */
export function resolveKinds(
  kinds: readonly SensitiveKind[] | undefined,
): readonly SensitiveKind[] {
  if (kinds === undefined) return SENSITIVE_KINDS;
  for (const kind of kinds as readonly unknown[]) {
    if (!isSensitiveKind(kind)) {
      throw new SensitiveDataError(
        'UNKNOWN_KIND',
        `unknown sensitive-data kind: ${JSON.stringify(kind)}`,
      );
    }
  }
  return [...new Set(kinds)];
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
