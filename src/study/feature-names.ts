/**
 * Accepted feature names, for every place that prints a feature (discover, explain, serve, report):
 *   const names = getFeatureNames(runDir);
 *   names.describe(1378)            // "feature 1378 'jug handle'"  (or "feature 1378" without a name)
 * Reading never creates the database: a run without a study simply has no names.
 */
import { existsSync } from 'node:fs';
import { featureLabel } from '../discover/rules.js';
import { databasePath, openDatabase } from './store/database.js';
import { readFeatureNames, type FeatureNameRow } from './store/study-store.js';

export const DEFAULT_FEATURE_SET = 'robust';

export interface FeatureNames {
  /** The accepted name, or undefined. */
  get(featureIndex: number, featureSet?: string): string | undefined;
  /** "feature 1378 'jug handle'" or "feature 1378". */
  describe(featureIndex: number, featureSet?: string): string;
  /** Every accepted name with who accepted it and when. */
  list(): FeatureNameRow[];
}

export function featureNamesFrom(rows: readonly FeatureNameRow[]): FeatureNames {
  const byKey = new Map(rows.map((r) => [`${r.featureSet}:${r.featureIndex}`, r.name]));
  const get = (featureIndex: number, featureSet = DEFAULT_FEATURE_SET) =>
    byKey.get(`${featureSet}:${featureIndex}`);
  return {
    get,
    describe: (featureIndex, featureSet) => featureLabel(featureIndex, get(featureIndex, featureSet)),
    list: () => [...rows],
  };
}

/** Loads the accepted names of a run (a snapshot; call again to see later changes). */
export function getFeatureNames(runDir: string): FeatureNames {
  if (!existsSync(databasePath(runDir))) return featureNamesFrom([]);
  const db = openDatabase(runDir, { readonly: true });
  try {
    return featureNamesFrom(readFeatureNames(db));
  } finally {
    db.close();
  }
}
