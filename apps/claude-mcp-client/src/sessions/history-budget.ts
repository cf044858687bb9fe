/** One earlier exchange of a session, as replayed to the model. */
export interface SessionTurn {
  readonly user: string;
  readonly assistant: string;
  readonly at: string;
}

/**
 * A conservative token estimate (about four characters per token for English and code, plus a
 * per-message overhead). Counting exactly would need a network call per message; the estimate
 * only decides how much history to replay, and the API reports the true usage afterwards.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/** Estimated tokens of one turn (its user and assistant messages). */
export function turnTokens(turn: SessionTurn): number {
  return estimateTokens(turn.user) + estimateTokens(turn.assistant);
}

/**
 * The most recent turns whose estimated tokens fit in `budget`, oldest first. Whole turns only,
 * so the replayed history always alternates user/assistant and starts with a user message.
 */
export function trimToBudget(turns: readonly SessionTurn[], budget: number): SessionTurn[] {
  const kept: SessionTurn[] = [];
  let used = 0;
  for (let i = turns.length - 1; i >= 0; i -= 1) {
    const turn = turns[i];
    if (!turn) continue;
    const cost = turnTokens(turn);
    if (used + cost > budget) break;
    used += cost;
    kept.push(turn);
  }
  return kept.reverse();
}
