/**
 * Held-out validation (docs/method.md §4, fix): which samples each tree is fitted on and which it is scored on.
 * - 'split': the samples whose `split` column equals the given name are held out (e.g. fit on train, score on val);
 * - 'random': a seeded random fraction, stratified by group and failure flag, is held out;
 * - 'kfold': every sample gets a fold (stratified the same way); trees are refitted per fold;
 * - 'none': everything is fitted, nothing is held out.
 */
import type { Sample } from '../shared/types.js';
import { FaultlineError } from '../shared/errors.js';
import { NumpyRandomState } from './numpy-random.js';

export type Validation =
  | { kind: 'none' }
  | { kind: 'split'; heldOutSplit: string }
  | { kind: 'random'; fraction: number; seed: number }
  | { kind: 'kfold'; folds: number; seed: number };

/** 1 = held out. For 'kfold' and 'none' nothing is held out here. */
export function heldOutMask(
  samples: Sample[],
  strata: ArrayLike<number>,
  validation: Validation,
): Uint8Array {
  const mask = new Uint8Array(samples.length);
  if (validation.kind === 'split') {
    let count = 0;
    for (let i = 0; i < samples.length; i++) {
      if (samples[i].split === validation.heldOutSplit) {
        mask[i] = 1;
        count++;
      }
    }
    if (count === 0) {
      const splits = [...new Set(samples.map((s) => s.split || "''"))].join(', ');
      throw new FaultlineError(
        `no sample has split "${validation.heldOutSplit}" (splits in this run: ${splits})`,
      );
    }
    if (count === samples.length) {
      throw new FaultlineError(
        `every sample has split "${validation.heldOutSplit}": nothing would be left to fit on`,
      );
    }
  } else if (validation.kind === 'random') {
    if (!(validation.fraction > 0 && validation.fraction < 1)) {
      throw new RangeError(`held-out fraction must be in (0, 1), received ${validation.fraction}`);
    }
    const rng = new NumpyRandomState(validation.seed);
    for (const rows of groupByStratum(strata)) {
      shuffle(rows, rng);
      const take = Math.round(validation.fraction * rows.length);
      for (let t = 0; t < take; t++) mask[rows[t]] = 1;
    }
  }
  return mask;
}

/** Fold index (0..folds-1) per sample, stratified: each stratum is shuffled and dealt round-robin. */
export function foldAssignment(strata: ArrayLike<number>, folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`folds must be an integer >= 2, received ${folds}`);
  const fold = new Int32Array(strata.length);
  const rng = new NumpyRandomState(seed);
  let offset = 0;
  for (const rows of groupByStratum(strata)) {
    shuffle(rows, rng);
    // Continue dealing where the previous stratum stopped so small strata do not all land in fold 0.
    rows.forEach((row, t) => (fold[row] = (offset + t) % folds));
    offset = (offset + rows.length) % folds;
  }
  return fold;
}

function groupByStratum(strata: ArrayLike<number>): number[][] {
  const byKey = new Map<number, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const list = byKey.get(strata[i]);
    if (list) list.push(i);
    else byKey.set(strata[i], [i]);
  }
  return [...byKey.entries()].sort((a, b) => a[0] - b[0]).map(([, rows]) => rows);
}

function shuffle(rows: number[], rng: NumpyRandomState): void {
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng.nextDouble() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
}
