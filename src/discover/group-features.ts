/**
 * The heavy, I/O-bound half of one group's analysis: read the group's feature rows (only those: the file is
 * never read whole), check them, rank the features on the fitting part and keep the top K columns for all of the
 * group's rows. Runs in the main thread or in a worker (rank-worker.ts) with the same inputs.
 */
import type { NpyMatrixReader } from '../run/npy.js';
import { fileError } from '../shared/errors.js';
import type { FeatureRanking } from './schema.js';
import type { MutualInformationNoise } from './mutual-information.js';
import { rankFeatures, selectColumns, type RankedFeature } from './ranking.js';

export interface GroupFeatureRequest {
  /** Feature rows of the group, ascending. */
  rows: Int32Array;
  /** Per group row: 1 = used for fitting (ranking and tree), 0 = held out. */
  fit: Uint8Array;
  /** Failure flag per group row. */
  failed: Uint8Array;
  ranking: FeatureRanking;
  topK: number;
  noise: MutualInformationNoise;
}

export interface GroupFeatures {
  selected: RankedFeature[];
  /** Group rows x selected features, row-major, in the order of `rows` and `selected`. */
  matrix: Float32Array;
}

/** One reusable read buffer per thread (this module is loaded once per worker). */
let rowBuffer = new Float32Array(0);

export function loadGroupFeatures(reader: NpyMatrixReader, req: GroupFeatureRequest): GroupFeatures {
  const { rows } = req;
  const cols = reader.cols;
  if (rowBuffer.length < rows.length * cols) rowBuffer = new Float32Array(rows.length * cols);
  const all = reader.readRowSet(rows, rowBuffer);
  assertFinite(all, cols, (t, j, v) =>
    fileError(reader.file, `row ${rows[t]}, feature ${j}: value ${v} is not finite`),
  );
  let fitCount = 0;
  for (let t = 0; t < rows.length; t++) fitCount += req.fit[t];
  const fitRows = new Int32Array(fitCount);
  const fitFailed = new Uint8Array(fitCount);
  let o = 0;
  for (let t = 0; t < rows.length; t++) {
    if (!req.fit[t]) continue;
    fitRows[o] = t;
    fitFailed[o++] = req.failed[t];
  }
  const selected = rankFeatures(all, rows.length, cols, fitFailed, {
    ranking: req.ranking,
    topK: req.topK,
    noise: req.noise,
    rowSubset: fitRows,
  });
  const matrix = selectColumns(
    all,
    rows.length,
    cols,
    selected.map((s) => s.feature),
  );
  return { selected, matrix };
}

/**
 * Throws the error built for the first non-finite value. The scan multiplies by zero (NaN for NaN and +-Infinity)
 * and sums, one branch-free pass; the slow search runs only when the sum says something is wrong.
 */
function assertFinite(
  values: Float32Array,
  cols: number,
  error: (row: number, col: number, value: number) => Error,
): void {
  let probe = 0;
  for (let i = 0; i < values.length; i++) probe += values[i] * 0;
  if (probe === 0) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) throw error(Math.floor(i / cols), i % cols, v);
  }
}
