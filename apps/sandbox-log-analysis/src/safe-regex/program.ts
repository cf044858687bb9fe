import { compileSet } from './char-set.js';
import { SafeRegexError } from './errors.js';
import type { RegexNode } from './parse.js';

/** Instructions of a Thompson/Pike automaton. */
export const enum Op {
  Char,
  Split,
  Jump,
  Assert,
  Match,
}

export type AssertKind = 'start' | 'end' | 'word' | 'not-word';

export type Instruction =
  | { op: Op.Char; test: (code: number) => boolean }
  | { op: Op.Split; x: number; y: number }
  | { op: Op.Jump; x: number }
  | { op: Op.Assert; kind: AssertKind }
  | { op: Op.Match };

/** Largest program accepted: the per-character cost of a search is bounded by it. */
export const MAX_PROGRAM = 4000;

/**
 * Compiles a syntax tree into a program (the classic construction: alternation and repetition
 * become Split/Jump, counted repetition is unrolled, which is why counts and size are bounded).
 */
export function compileProgram(node: RegexNode, ignoreCase: boolean): Instruction[] {
  const program: Instruction[] = [];
  const push = (instruction: Instruction): number => {
    if (program.length >= MAX_PROGRAM) {
      throw new SafeRegexError(
        'REGEX_TOO_LARGE',
        `pattern compiles to more than ${MAX_PROGRAM} instructions`,
      );
    }
    program.push(instruction);
    return program.length - 1;
  };

  const emit = (n: RegexNode): void => {
    switch (n.type) {
      case 'set':
        push({ op: Op.Char, test: compileSet(n.set, ignoreCase) });
        return;
      case 'assert':
        push({ op: Op.Assert, kind: n.kind });
        return;
      case 'seq':
        for (const item of n.items) emit(item);
        return;
      case 'alt': {
        const jumps: Array<{ op: Op.Jump; x: number }> = [];
        n.options.forEach((option, i) => {
          if (i === n.options.length - 1) {
            emit(option);
            return;
          }
          const split = { op: Op.Split, x: 0, y: 0 } as { op: Op.Split; x: number; y: number };
          push(split);
          split.x = program.length;
          emit(option);
          const jump = { op: Op.Jump, x: 0 } as { op: Op.Jump; x: number };
          push(jump);
          jumps.push(jump);
          split.y = program.length;
        });
        for (const jump of jumps) jump.x = program.length;
        return;
      }
      case 'repeat': {
        for (let i = 0; i < n.min; i += 1) emit(n.node);
        if (n.max === Infinity) {
          const split = { op: Op.Split, x: 0, y: 0 } as { op: Op.Split; x: number; y: number };
          const loop = push(split);
          split.x = program.length;
          emit(n.node);
          push({ op: Op.Jump, x: loop });
          split.y = program.length;
          return;
        }
        const exits: Array<{ op: Op.Split; x: number; y: number }> = [];
        for (let i = n.min; i < n.max; i += 1) {
          const split = { op: Op.Split, x: 0, y: 0 } as { op: Op.Split; x: number; y: number };
          push(split);
          split.x = program.length;
          exits.push(split);
          emit(n.node);
        }
        for (const split of exits) split.y = program.length;
        return;
      }
    }
  };

  emit(node);
  push({ op: Op.Match });
  return program;
}
