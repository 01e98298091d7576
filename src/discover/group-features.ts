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

export function loadGroupFeatures(reader: NpyMatrixReader, req: GroupFeatureRequest): GroupFeatures {
  const { rows } = req;
  const cols = reader.cols;
  const all = reader.readRowSet(rows);
  for (let t = 0; t < rows.length; t++) {
    const o = t * cols;
    for (let j = 0; j < cols; j++) {
      const v = all[o + j];
      if (v - v !== 0) {
        throw fileError(reader.file, `row ${rows[t]}, feature ${j}: value ${v} is not finite`);
      }
    }
  }
  let fitCount = 0;
  for (let t = 0; t < rows.length; t++) fitCount += req.fit[t];
  let fitMatrix = all;
  const fitFailed = new Uint8Array(fitCount);
  if (fitCount === rows.length) fitFailed.set(req.failed);
  else {
    fitMatrix = new Float32Array(fitCount * cols);
    let o = 0;
    for (let t = 0; t < rows.length; t++) {
      if (!req.fit[t]) continue;
      fitMatrix.set(all.subarray(t * cols, (t + 1) * cols), o * cols);
      fitFailed[o++] = req.failed[t];
    }
  }
  const selected = rankFeatures(fitMatrix, fitCount, cols, fitFailed, {
    ranking: req.ranking,
    topK: req.topK,
    noise: req.noise,
  });
  const matrix = selectColumns(
    all,
    rows.length,
    cols,
    selected.map((s) => s.feature),
  );
  return { selected, matrix };
}
