/**
 * Which images to show for a feature: the group (images predicted as, or labelled as, one class) and its k
 * members with the highest value of the feature in the run's features.npy.
 */
import { groupKey, parseGroupKey, type GroupBy } from '../discover/schema.js';
import type { NpyMatrixReader } from '../run/npy.js';
import type { Run } from '../run/load.js';
import { normaliseClassName } from '../ingest/names.js';
import { FaultlineError } from '../shared/errors.js';

export interface FeatureGroup {
  /** "pred-<class>" or "label-<class>", as in discovery.json. */
  key: string;
  classIndex: number;
  className: string;
  groupBy: GroupBy;
  /** Rows (sample positions) of the members. */
  rows: number[];
}

/**
 * A group from a class name, wnid, class index or group key ("pred-3", "label-3"; the key's prefix wins over
 * `groupBy`).
 */
export function resolveGroup(
  run: Run,
  group: string | number,
  groupBy: GroupBy,
  predictionSet = 'inspected',
): FeatureGroup {
  let by = groupBy;
  let classIndex: number | undefined;
  const text = String(group).trim();
  const key = parseGroupKey(text);
  if (key) {
    by = key.groupBy;
    classIndex = key.classIndex;
  } else if (/^\d+$/.test(text)) {
    classIndex = Number(text);
  } else {
    const name = normaliseClassName(text);
    const lower = text.toLowerCase();
    classIndex = run.classes.find(
      (c) => normaliseClassName(c.name) === name || c.wnid?.toLowerCase() === lower,
    )?.index;
  }
  const info = run.classes.find((c) => c.index === classIndex);
  if (classIndex === undefined || !info) {
    const some = run.classes
      .slice(0, 3)
      .map((c) => `"${c.name}" (${c.index})`)
      .join(', ');
    throw new FaultlineError(
      `no class "${text}" in this run (classes look like ${some}; or use a key like pred-3)`,
    );
  }
  const rows: number[] = [];
  if (by === 'prediction') {
    const predictions = run.predictions(predictionSet);
    predictions.forEach((p, i) => {
      if (p.prediction === classIndex) rows.push(i);
    });
  } else {
    run.samples.forEach((s, i) => {
      if (s.label === classIndex) rows.push(i);
    });
  }
  return {
    key: groupKey(by, classIndex),
    classIndex,
    className: info.name,
    groupBy: by,
    rows,
  };
}

export interface RankedImage {
  row: number;
  value: number;
}

/** Indices of the k largest values, largest first (ties: lower index first). Pure; exported for tests. */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, Math.max(0, k));
}

/** The k members of `rows` with the highest value of `feature`. */
export function topImages(
  reader: NpyMatrixReader,
  rows: readonly number[],
  feature: number,
  k: number,
): RankedImage[] {
  if (!Number.isInteger(feature) || feature < 0 || feature >= reader.cols) {
    throw new FaultlineError(`feature ${feature} is out of range: the run has features 0-${reader.cols - 1}`);
  }
  const matrix = reader.readRowSet(rows);
  const values = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = matrix[i * reader.cols + feature];
  return topKIndices(values, k).map((i) => ({ row: rows[i], value: values[i] }));
}
