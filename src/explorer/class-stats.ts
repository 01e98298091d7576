/**
 * Per-class numbers for the overview, computed once from the sample table and a prediction set.
 * Pure: takes plain arrays, returns plain records (no I/O), so it is cheap to test and to rerun per prediction set.
 */
import type { GroupBy } from '../discover/schema.js';

export interface ClassStats {
  classIndex: number;
  /** Samples in the class's group (predicted as it, or labelled as it, following the discovery's grouping). */
  n: number;
  failures: number;
  /** F / N; 0 for an empty group. */
  baseErrorRate: number;
}

/** Counts group sizes and failures for every class in [0, classCount). */
export function computeClassStats(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classCount: number,
  groupBy: GroupBy,
): ClassStats[] {
  const n = new Uint32Array(classCount);
  const failures = new Uint32Array(classCount);
  for (let i = 0; i < labels.length; i++) {
    const key = groupBy === 'prediction' ? predictions[i] : labels[i];
    n[key]++;
    if (predictions[i] !== labels[i]) failures[key]++;
  }
  const stats: ClassStats[] = [];
  for (let c = 0; c < classCount; c++) {
    stats.push({
      classIndex: c,
      n: n[c],
      failures: failures[c],
      baseErrorRate: n[c] ? failures[c] / n[c] : 0,
    });
  }
  return stats;
}

/** Top-1 accuracy: the fraction of samples whose prediction equals the label (0 for no samples). */
export function accuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  if (labels.length === 0) return 0;
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return right / labels.length;
}
