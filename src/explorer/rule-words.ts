/** Failure-mode rules in words, with the accepted feature names spliced in. Pure string building. */
import type { Condition, GroupBy } from '../discover/schema.js';

/** Feature index -> accepted name (from the study). */
export type FeatureNames = ReadonlyMap<number, string>;

/** "feature 1378 'jug handle' <= 0.0893" */
export function conditionInWords(condition: Condition, names: FeatureNames): string {
  const name = names.get(condition.feature);
  const label = name ? `feature ${condition.feature} '${name}'` : `feature ${condition.feature}`;
  return `${label} ${condition.op} ${formatThreshold(condition.threshold)}`;
}

/** "predicted water_jug and feature 1378 'jug handle' <= 0.0893" */
export function ruleInWords(
  groupBy: GroupBy,
  className: string,
  conditions: Condition[],
  names: FeatureNames,
): string {
  const head = `${groupBy === 'prediction' ? 'predicted' : 'label'} ${className}`;
  return [head, ...conditions.map((c) => conditionInWords(c, names))].join(' and ');
}

/** Four significant digits is what a person compares; the full value stays in the JSON conditions. */
export function formatThreshold(t: number): string {
  if (!Number.isFinite(t)) return String(t);
  return Number(t.toPrecision(4)).toString();
}
