import {
  ANY_BUT_NEWLINE,
  complement,
  DIGIT,
  SPACE,
  WORD,
  type CharRange,
  type CharSet,
} from './char-set.js';
import { SafeRegexError } from './errors.js';

/** The syntax tree of the supported subset. */
export type RegexNode =
  | { readonly type: 'set'; readonly set: CharSet }
  | { readonly type: 'seq'; readonly items: readonly RegexNode[] }
  | { readonly type: 'alt'; readonly options: readonly RegexNode[] }
  | {
      readonly type: 'repeat';
      readonly node: RegexNode;
      readonly min: number;
      readonly max: number;
    }
  | { readonly type: 'assert'; readonly kind: 'start' | 'end' | 'word' | 'not-word' };

/** Largest count accepted in `{n,m}`. */
export const MAX_COUNT = 1000;

const single = (code: number): CharSet => ({ ranges: [[code, code]], negated: false });
const CLASS_ESCAPES: Record<string, readonly CharRange[]> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
};
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

const unsupported = (what: string) =>
  new SafeRegexError('REGEX_UNSUPPORTED', `${what} not supported (linear-time subset)`);
const invalid = (what: string) => new SafeRegexError('REGEX_INVALID', what);

/**
 * Parses an ECMAScript pattern (no `u`/`v` flag semantics) into the subset a linear-time
 * automaton can run: literals, escapes, classes, `.`, `^`, `$`, `\b`, `\B`, groups (capturing,
 * non-capturing, named), alternation and greedy or lazy quantifiers. Backreferences,
 * lookaround and Unicode property escapes are refused with `REGEX_UNSUPPORTED`.
 */
export function parseRegex(pattern: string): RegexNode {
  const parser = new Parser(pattern);
  const node = parser.alternation();
  if (!parser.done()) throw invalid(`unmatched ')' at ${parser.pos}`);
  return node;
}

class Parser {
  pos = 0;
  constructor(private readonly src: string) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  alternation(): RegexNode {
    const options = [this.sequence()];
    while (this.src[this.pos] === '|') {
      this.pos += 1;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as RegexNode) : { type: 'alt', options };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (!this.done() && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return { type: 'seq', items };
  }

  private quantified(atom: RegexNode): RegexNode {
    const bounds = this.quantifier();
    if (!bounds) return atom;
    if (atom.type === 'assert') throw invalid(`nothing to repeat at ${this.pos}`);
    if (this.src[this.pos] === '?') this.pos += 1; // laziness does not change whether a line matches
    if (this.quantifierAhead()) throw invalid(`nothing to repeat at ${this.pos}`);
    return { type: 'repeat', node: atom, min: bounds[0], max: bounds[1] };
  }

  private quantifierAhead(): boolean {
    const c = this.src[this.pos];
    return (
      c === '*' ||
      c === '+' ||
      c === '?' ||
      (c === '{' && /^\{\d+(?:,\d*)?\}/.test(this.src.slice(this.pos)))
    );
  }

  private quantifier(): [number, number] | null {
    const c = this.src[this.pos];
    if (c === '*' || c === '+' || c === '?') {
      this.pos += 1;
      return c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    }
    if (c !== '{') return null;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
    if (!m) return null; // a lone "{" is a literal (Annex B)
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > max) throw invalid(`numbers out of order in {} quantifier at ${this.pos}`);
    if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT))
      throw new SafeRegexError('REGEX_TOO_LARGE', `repetition count above ${MAX_COUNT}`);
    this.pos += m[0].length;
    return [min, max];
  }

  private atom(): RegexNode {
    const c = this.src[this.pos] as string;
    this.pos += 1;
    switch (c) {
      case '.':
        return { type: 'set', set: { ranges: ANY_BUT_NEWLINE, negated: false } };
      case '^':
        return { type: 'assert', kind: 'start' };
      case '$':
        return { type: 'assert', kind: 'end' };
      case '(':
        return this.group();
      case '[':
        return { type: 'set', set: this.charClass() };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw invalid(`nothing to repeat at ${this.pos - 1}`);
      default:
        if (c === '{' && /^\d+(?:,\d*)?\}/.test(this.src.slice(this.pos)))
          throw invalid(`nothing to repeat at ${this.pos - 1}`);
        return { type: 'set', set: single(c.charCodeAt(0)) };
    }
  }

  private group(): RegexNode {
    if (this.src.startsWith('?:', this.pos)) this.pos += 2;
    else if (/^\?<[=!]/.test(this.src.slice(this.pos)) || /^\?[=!]/.test(this.src.slice(this.pos)))
      throw unsupported('lookaround');
    else if (this.src[this.pos] === '?') {
      const name = /^\?<([A-Za-z_$][A-Za-z0-9_$]*)>/.exec(this.src.slice(this.pos));
      if (!name) throw unsupported('group modifier');
      this.pos += name[0].length;
    }
    const inner = this.alternation();
    if (this.src[this.pos] !== ')') throw invalid('unterminated group');
    this.pos += 1;
    return inner;
  }

  private escape(): RegexNode {
    const c = this.src[this.pos];
    if (c === undefined) throw invalid('\\ at end of pattern');
    if (c === 'b' || c === 'B') {
      this.pos += 1;
      return { type: 'assert', kind: c === 'b' ? 'word' : 'not-word' };
    }
    if (/[1-9]/.test(c) || c === 'k') throw unsupported('backreference');
    return { type: 'set', set: this.escapedSet(false) };
  }

  /** An escape after the backslash, as a set (inside a class `\b` is a backspace). */
  private escapedSet(inClass: boolean): CharSet {
    const c = this.src[this.pos] as string;
    this.pos += 1;
    const classRanges = CLASS_ESCAPES[c];
    if (classRanges) return { ranges: classRanges, negated: false };
    if (c in CONTROL_ESCAPES) return single(CONTROL_ESCAPES[c] as number);
    if (inClass && c === 'b') return single(8);
    if (c === '0' && !/[0-9]/.test(this.src[this.pos] ?? '')) return single(0);
    if (c === 'x' || c === 'u') {
      const digits = c === 'x' ? 2 : 4;
      const hex = this.src.slice(this.pos, this.pos + digits);
      if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(hex))
        throw unsupported(`\\${c} escape without ${digits} hex digits`);
      this.pos += digits;
      return single(parseInt(hex, 16));
    }
    if (c === 'p' || c === 'P') throw unsupported('Unicode property escape');
    if (/[A-Za-z0-9]/.test(c)) throw unsupported(`escape \\${c}`);
    return single(c.charCodeAt(0));
  }

  private charClass(): CharSet {
    const negated = this.src[this.pos] === '^';
    if (negated) this.pos += 1;
    const ranges: CharRange[] = [];
    while (this.src[this.pos] !== ']') {
      if (this.done()) throw invalid('unterminated character class');
      const from = this.classAtom();
      const isRange =
        this.src[this.pos] === '-' &&
        this.src[this.pos + 1] !== ']' &&
        this.pos + 1 < this.src.length;
      if (isRange && isSingle(from)) {
        this.pos += 1;
        const to = this.classAtom();
        if (isSingle(to)) {
          const lo = from.ranges[0]?.[0] ?? 0;
          const hi = to.ranges[0]?.[0] ?? 0;
          if (lo > hi) throw invalid('range out of order in character class');
          ranges.push([lo, hi]);
          continue;
        }
        ranges.push(...from.ranges, [45, 45], ...to.ranges); // "[a-\d]": the dash is literal (Annex B)
        continue;
      }
      ranges.push(...from.ranges);
    }
    this.pos += 1;
    return { ranges, negated };
  }

  private classAtom(): CharSet {
    const c = this.src[this.pos] as string;
    if (c === '\\') {
      this.pos += 1;
      if (this.done()) throw invalid('\\ at end of pattern');
      return this.escapedSet(true);
    }
    this.pos += 1;
    return single(c.charCodeAt(0));
  }
}

function isSingle(set: CharSet): boolean {
  const first = set.ranges[0];
  return set.ranges.length === 1 && first !== undefined && first[0] === first[1];
}
