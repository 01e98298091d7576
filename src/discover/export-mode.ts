/**
 * The member list of one failure mode, for relabelling or collecting more data: every sample the mode's rule
 * selects (fitted and held-out), with its label, prediction, failure flag and the values of the features its
 * rule tests.
 */
import { stringify } from 'csv-stringify/sync';
import type { Run } from '../run/load.js';
import { FaultlineError } from '../shared/errors.js';
import type { DiscoveryResult, FailureMode, GroupResult } from './schema.js';
import { findMode } from './discovery-file.js';

export { findMode, readDiscovery } from './discovery-file.js';

export interface ModeMemberTable {
  mode: FailureMode;
  group: GroupResult;
  /** Header first. */
  rows: (string | number)[][];
}

/**
 * @example modeMembers(run, readDiscovery(run), 'pred-899/1').rows[0]
 * // ['id', 'path', 'label', 'label_name', 'prediction', 'prediction_name', 'failure', 'feature_1378']
 */
export function modeMembers(run: Run, result: DiscoveryResult, modeId: string): ModeMemberTable {
  const { group, mode } = findMode(result, modeId);
  const predictions = run.predictions(result.options.predictionSet);
  const rowOf = new Map(run.samples.map((s, i) => [s.id, i]));
  const memberRows = mode.members.map((id) => {
    const row = rowOf.get(id);
    if (row === undefined)
      throw new FaultlineError(`mode ${modeId} lists sample "${id}", which is not in this run`);
    return row;
  });
  const features = [...new Set(mode.conditions.map((c) => c.feature))];
  const reader = run.openFeatures(result.options.featureSet);
  let values: Float32Array;
  try {
    values = reader.readRowSet(memberRows);
  } finally {
    reader.close();
  }
  const cols = reader.cols;
  const header = [
    'id',
    'path',
    'label',
    'label_name',
    'prediction',
    'prediction_name',
    'failure',
    ...features.map((f) => `feature_${f}`),
  ];
  const rows: (string | number)[][] = [header];
  memberRows.forEach((row, t) => {
    const s = run.samples[row];
    const p = predictions[row].prediction;
    rows.push([
      s.id,
      s.path,
      s.label,
      s.labelName,
      p,
      run.classes[p]?.name ?? '',
      p !== s.label ? 1 : 0,
      ...features.map((f) => values[t * cols + f]),
    ]);
  });
  return { mode, group, rows };
}

export function memberCsv(table: ModeMemberTable): string {
  return stringify(table.rows);
}
