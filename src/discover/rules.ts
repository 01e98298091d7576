/**
 * Failure modes as readable rules: the path of conditions from the root to a leaf, in words. The one formatter of
 * rules, feature labels and thresholds: discover, the explorer, the report and the study CLI all print through it.
 */
import type { Condition, GroupBy, TreeNode } from './schema.js';

/** Conditions on the path from the root to `leaf` (root first). */
export function pathTo(nodes: TreeNode[], leaf: number): Condition[] {
  const walk = (id: number, acc: Condition[]): Condition[] | null => {
    if (id === leaf) return acc;
    const node = nodes[id];
    if (node.feature === undefined || node.threshold === undefined) return null;
    const t = node.threshold;
    return (
      (node.left !== undefined
        ? walk(node.left, [...acc, { feature: node.feature, threshold: t, op: '<=' }])
        : null) ??
      (node.right !== undefined
        ? walk(node.right, [...acc, { feature: node.feature, threshold: t, op: '>' }])
        : null)
    );
  };
  const path = walk(0, []);
  if (!path) throw new RangeError(`node ${leaf} is not in the tree`);
  return path;
}

/** Thresholds shown with 4 significant digits (the exact value stays in the condition). */
export function formatThreshold(t: number): string {
  return String(Number(t.toPrecision(4)));
}

/** "feature 1378", or "feature 1378 'jug handle'" once the feature has an accepted name. */
export function featureLabel(feature: number, name?: string | null): string {
  return name ? `feature ${feature} '${name}'` : `feature ${feature}`;
}

/** One feature's conditions on a path, merged into the tightest interval: lower < x <= upper. */
export interface FeatureInterval {
  feature: number;
  /** Largest threshold of the `>` conditions; absent when there is none. */
  lower?: number;
  /** Smallest threshold of the `<=` conditions; absent when there is none. */
  upper?: number;
}

/**
 * Merges a path's conditions per feature (in order of first appearance): `x <= 1.532 and x <= 0.07156` is
 * `x <= 0.07156`, `x > 0.2 and x <= 0.6 and x > 0.3` is `0.3 < x <= 0.6`. Same samples, fewer words.
 */
export function featureIntervals(conditions: Condition[]): FeatureInterval[] {
  const byFeature = new Map<number, FeatureInterval>();
  for (const c of conditions) {
    let interval = byFeature.get(c.feature);
    if (!interval) {
      interval = { feature: c.feature };
      byFeature.set(c.feature, interval);
    }
    if (c.op === '<=')
      interval.upper = interval.upper === undefined ? c.threshold : Math.min(interval.upper, c.threshold);
    else interval.lower = interval.lower === undefined ? c.threshold : Math.max(interval.lower, c.threshold);
  }
  return [...byFeature.values()];
}

/**
 * @example ruleText('prediction', 'water_jug', [{ feature: 1378, threshold: 0.0893, op: '<=' }])
 * // 'predicted water_jug and feature 1378 <= 0.0893'; with names = Map { 1378 => 'jug handle' }:
 * // "predicted water_jug and feature 1378 'jug handle' <= 0.0893"
 * A feature that appears more than once on the path is printed once, as its tightest interval
 * (`0.2338 < feature 6 <= 0.3496`).
 */
export function ruleText(
  groupBy: GroupBy,
  className: string,
  conditions: Condition[],
  names?: ReadonlyMap<number, string>,
): string {
  const head = groupBy === 'prediction' ? `predicted ${className}` : `label ${className}`;
  return [
    head,
    ...featureIntervals(conditions).map((c) => {
      const label = featureLabel(c.feature, names?.get(c.feature));
      if (c.lower !== undefined && c.upper !== undefined)
        return `${formatThreshold(c.lower)} < ${label} <= ${formatThreshold(c.upper)}`;
      if (c.upper !== undefined) return `${label} <= ${formatThreshold(c.upper)}`;
      return `${label} > ${formatThreshold(c.lower as number)}`;
    }),
  ].join(' and ');
}
