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

/**
 * @example ruleText('prediction', 'water_jug', [{ feature: 1378, threshold: 0.0893, op: '<=' }])
 * // 'predicted water_jug and feature 1378 <= 0.0893'; with names = Map { 1378 => 'jug handle' }:
 * // "predicted water_jug and feature 1378 'jug handle' <= 0.0893"
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
    ...conditions.map(
      (c) => `${featureLabel(c.feature, names?.get(c.feature))} ${c.op} ${formatThreshold(c.threshold)}`,
    ),
  ].join(' and ');
}
