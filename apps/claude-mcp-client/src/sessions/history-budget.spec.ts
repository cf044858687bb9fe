import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateTokens, trimToBudget, turnTokens, type SessionTurn } from './history-budget.js';

const turn = (user: string, assistant: string): SessionTurn => ({ user, assistant, at: '2026-11-21T00:00:00.000Z' });

describe('trimToBudget', () => {
  it('keeps the most recent whole turns that fit', () => {
    const turns = [turn('a'.repeat(400), 'b'.repeat(400)), turn('c', 'd'), turn('e', 'f')];
    expect(trimToBudget(turns, 20)).toEqual([turns[1], turns[2]]);
    expect(trimToBudget(turns, 0)).toEqual([]);
    expect(trimToBudget(turns, 10_000)).toEqual(turns);
  });

  it('returns the longest suffix within the budget', () => {
    const text = fc.string({ maxLength: 300 });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 20 }), fc.integer({ min: 0, max: 2000 }), (pairs, budget) => {
        const turns = pairs.map(([u, a]) => turn(u, a));
        const kept = trimToBudget(turns, budget);
        expect(kept).toEqual(turns.slice(turns.length - kept.length));
        expect(kept.reduce((sum, t) => sum + turnTokens(t), 0)).toBeLessThanOrEqual(budget);
        const next = turns[turns.length - kept.length - 1];
        if (next) expect(kept.reduce((sum, t) => sum + turnTokens(t), 0) + turnTokens(next)).toBeGreaterThan(budget);
      }),
    );
  });

  it('estimates about four characters per token plus an overhead', () => {
    expect(estimateTokens('')).toBe(4);
    expect(estimateTokens('x'.repeat(400))).toBe(104);
  });
});
