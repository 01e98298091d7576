/**
 * Feature ranking within a group (docs/method.md §3): mutual information with the failure flag, or mean
 * activation; the top K are kept, reported by their own feature index. Ties in score go to the lower index.
 */
import type { FeatureRanking } from './schema.js';
import { mutualInfoClassif, type MutualInformationNoise } from './mutual-information.js';

export interface RankedFeature {
  feature: number;
  score: number;
}

/**
 * Scores every column of a row-major (rows x cols) matrix and returns the best `topK`, best first.
 * @example rankFeatures(x, 1406, 2048, failed, { ranking: 'mutual-information', topK: 50 })[0].feature // 638
 */
export function rankFeatures(
  X: Float32Array,
  rows: number,
  cols: number,
  y: Uint8Array,
  options: {
    ranking: FeatureRanking;
    topK: number;
    noise?: MutualInformationNoise;
    /** Score only these rows of X (y has one entry per listed row). */
    rowSubset?: Int32Array;
  },
): RankedFeature[] {
  const { rowSubset } = options;
  const scores =
    options.ranking === 'mutual-information'
      ? mutualInfoClassif(X, rows, cols, y, { noise: options.noise ?? { kind: 'none' }, rowSubset })
      : meanActivation(X, rows, cols, rowSubset);
  const order = Array.from({ length: cols }, (_, j) => j).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, Math.min(options.topK, cols)).map((j) => ({ feature: j, score: scores[j] }));
}

export function meanActivation(
  X: Float32Array,
  rows: number,
  cols: number,
  rowSubset?: Int32Array,
): Float64Array {
  const sums = new Float64Array(cols);
  const n = rowSubset ? rowSubset.length : rows;
  for (let t = 0; t < n; t++) {
    const o = (rowSubset ? rowSubset[t] : t) * cols;
    for (let j = 0; j < cols; j++) sums[j] += X[o + j];
  }
  for (let j = 0; j < cols; j++) sums[j] = n === 0 ? 0 : sums[j] / n;
  return sums;
}

/** The given columns of a row-major matrix, as a new (rows x columns.length) matrix. */
export function selectColumns(X: Float32Array, rows: number, cols: number, columns: number[]): Float32Array {
  const k = columns.length;
  const out = new Float32Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let t = 0; t < k; t++) out[i * k + t] = X[o + columns[t]];
  }
  return out;
}
