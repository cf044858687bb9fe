import { isWordUnit } from './char-set.js';
import { SafeRegexError } from './errors.js';
import { Op, type AssertKind, type Instruction } from './program.js';

/** Steps a caller allows a series of searches to take; shared and decremented across calls. */
export interface StepBudget {
  remaining: number;
}

/**
 * A Pike VM over a compiled program: all threads advance together one code unit at a time,
 * each program position at most once per step, so a search costs O(text length × program
 * size) whatever the pattern — no backtracking, no catastrophic cases. Only "does it match
 * anywhere" is answered (no captures), which is all a log filter needs.
 */
export class PikeMatcher {
  private current: Int32Array;
  private next: Int32Array;
  private readonly seen: Uint32Array;
  private readonly stack: Int32Array;
  private generation = 0;

  constructor(private readonly program: readonly Instruction[]) {
    this.current = new Int32Array(program.length);
    this.next = new Int32Array(program.length);
    this.seen = new Uint32Array(program.length);
    this.stack = new Int32Array(program.length * 2 + 2);
  }

  /** True when the pattern matches somewhere in `text`; charges `budget` one step per thread. */
  test(text: string, budget: StepBudget): boolean {
    let currentCount = 0;
    let nextCount = 0;
    // one generation per position: the threads carried into a position and its start thread
    // share it, so each program position is listed at most once (the lists' capacity)
    this.generation += 1;
    for (let pos = 0; pos <= text.length; pos += 1) {
      // every position may start a match (unanchored search); the start thread goes last
      // because priorities do not matter when only existence is asked
      const added = this.addThread(this.current, currentCount, 0, text, pos);
      if (added < 0) return true;
      currentCount = added;
      if (pos === text.length) break;
      budget.remaining -= currentCount;
      if (budget.remaining < 0) {
        throw new SafeRegexError('REGEX_BUDGET_EXCEEDED', 'regex search exceeded its step budget');
      }
      const code = text.charCodeAt(pos);
      this.generation += 1;
      nextCount = 0;
      for (let i = 0; i < currentCount; i += 1) {
        const pc = this.current[i] as number;
        const instruction = this.program[pc] as Instruction;
        if (instruction.op === Op.Char && instruction.test(code)) {
          const added = this.addThread(this.next, nextCount, pc + 1, text, pos + 1);
          if (added < 0) return true;
          nextCount = added;
        }
      }
      const swap = this.current;
      this.current = this.next;
      this.next = swap;
      currentCount = nextCount;
    }
    return false;
  }

  /**
   * Follows the epsilon closure of `start` at `pos`, appending Char positions to `list`.
   * Returns the new count, or -1 when Match is reached.
   */
  private addThread(
    list: Int32Array,
    count: number,
    start: number,
    text: string,
    pos: number,
  ): number {
    let top = 0;
    this.stack[top++] = start;
    let n = count;
    while (top > 0) {
      const pc = this.stack[--top] as number;
      if (this.seen[pc] === this.generation) continue;
      this.seen[pc] = this.generation;
      const instruction = this.program[pc] as Instruction;
      switch (instruction.op) {
        case Op.Match:
          return -1;
        case Op.Char:
          list[n++] = pc;
          break;
        case Op.Jump:
          this.stack[top++] = instruction.x;
          break;
        case Op.Split:
          this.stack[top++] = instruction.y;
          this.stack[top++] = instruction.x;
          break;
        case Op.Assert:
          if (assertionHolds(instruction.kind, text, pos)) this.stack[top++] = pc + 1;
          break;
      }
    }
    return n;
  }
}

function assertionHolds(kind: AssertKind, text: string, pos: number): boolean {
  switch (kind) {
    case 'start':
      return pos === 0;
    case 'end':
      return pos === text.length;
    default: {
      const before = pos > 0 && isWordUnit(text.charCodeAt(pos - 1));
      const after = pos < text.length && isWordUnit(text.charCodeAt(pos));
      return (before !== after) === (kind === 'word');
    }
  }
}
