/**
 * Quality control with gold tasks (docs/method.md §7: >= 60% of the solved examples must be right).
 * An annotator is flagged once they have answered at least `minAnswers` gold tasks and got fewer than
 * `threshold` of them right; flagged annotators' answers are left out of every aggregate (not deleted).
 */
import type { AnnotatorQuality, Label } from './types.js';

export interface GoldRule {
  /** Minimum share of gold answers that must be right (default 0.6). */
  threshold: number;
  /** Gold answers needed before anyone can be flagged (default 3). */
  minAnswers: number;
}

export const DEFAULT_GOLD_RULE: GoldRule = { threshold: 0.6, minAnswers: 3 };

export interface GoldScore {
  goldAnswers: number;
  goldCorrect: number;
}

export function isFlagged(score: GoldScore, rule: GoldRule): boolean {
  return score.goldAnswers >= rule.minAnswers && score.goldCorrect < rule.threshold * score.goldAnswers;
}

/** Per-annotator counts and gold accuracy from (annotator, task, label) triples. */
export function scoreAnnotators(
  answers: readonly { annotatorId: number; taskId: number; main: Label }[],
  goldByTask: ReadonlyMap<number, Label>,
  rule: GoldRule,
  externalIds: ReadonlyMap<number, string | null> = new Map(),
): Map<number, AnnotatorQuality> {
  const out = new Map<number, AnnotatorQuality>();
  const entry = (annotatorId: number): AnnotatorQuality => {
    let q = out.get(annotatorId);
    if (!q) {
      q = {
        annotatorId,
        externalId: externalIds.get(annotatorId) ?? null,
        answers: 0,
        goldAnswers: 0,
        goldCorrect: 0,
        goldAccuracy: null,
        flagged: false,
      };
      out.set(annotatorId, q);
    }
    return q;
  };
  for (const id of externalIds.keys()) entry(id);
  for (const a of answers) {
    const q = entry(a.annotatorId);
    q.answers++;
    const gold = goldByTask.get(a.taskId);
    if (gold !== undefined) {
      q.goldAnswers++;
      if (gold === a.main) q.goldCorrect++;
    }
  }
  for (const q of out.values()) {
    q.goldAccuracy = q.goldAnswers > 0 ? q.goldCorrect / q.goldAnswers : null;
    q.flagged = isFlagged(q, rule);
  }
  return out;
}
