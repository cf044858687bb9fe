/** Risk levels of a threat verdict; `unknown` when no score could be obtained. */
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical', 'unknown'] as const;

/** A threat verdict's risk level. */
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * Maps a SentraIP threat score (0–10) to its risk level. Bands, lower bound inclusive:
 *
 * | score        | level      |
 * |--------------|------------|
 * | 0 ≤ s < 4    | `low`      |
 * | 4 ≤ s < 7    | `medium`   |
 * | 7 ≤ s < 9    | `high`     |
 * | 9 ≤ s ≤ 10   | `critical` |
 *
 * so integer scores 0–3 are low, 4–6 medium, 7–8 high, 9–10 critical. `null`, `NaN` and scores
 * outside 0–10 are `unknown` (no verdict, never a guess).
 */
export function riskLevelForScore(score: number | null): RiskLevel {
  if (score === null || !Number.isFinite(score) || score < 0 || score > 10) return 'unknown';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}
