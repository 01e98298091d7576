/**
 * The failure tree: a binary CART classifier predicting the failure flag, with the semantics of scikit-learn's
 * `DecisionTreeClassifier` (best splitter, depth-first growth, node ids in preorder):
 *
 * - criterion 'entropy' (bits) or 'gini' on class-weighted counts; class weights {0: 1, 1: S/F} ('balanced' as
 *   docs/method.md defines it; sklearn's own 'balanced' is the same up to a constant factor, which picks the same splits)
 *   or none;
 * - a node is a leaf when depth >= maxDepth, n < minSamplesSplit, n < 2 * minSamplesLeaf, its impurity <= eps,
 *   or no split leaves minSamplesLeaf samples on both sides;
 * - candidate thresholds lie between consecutive sorted values that differ by more than 1e-7 (sklearn's
 *   FEATURE_THRESHOLD); the threshold is a/2 + b/2 (or a when that rounds up to b), and `x <= t` goes left;
 * - the split maximises sklearn's proxy improvement -(w_R * imp_R) - (w_L * imp_L).
 *
 * Ties: sklearn visits features in a random order and keeps the first best; faultline visits features in
 * ascending own index (the robust model's feature number) and keeps the first strictly better split, so the
 * lowest feature index and then the lowest threshold win. Deterministic, documented in docs/discovery-schema.md.
 */
import type { Criterion, TreeNode } from './schema.js';
import { RadixArgsort } from './radix-sort.js';

export interface TreeOptions {
  criterion: Criterion;
  maxDepth: number;
  /** Minimum samples in each leaf (sklearn min_samples_leaf). */
  minSamplesLeaf: number;
  /** Minimum samples to split a node (sklearn min_samples_split). */
  minSamplesSplit: number;
  classWeight: 'balanced' | 'none';
}

export const DEFAULT_TREE_OPTIONS: TreeOptions = {
  criterion: 'entropy',
  maxDepth: 1,
  minSamplesLeaf: 1,
  minSamplesSplit: 2,
  classWeight: 'balanced',
};

export interface FittedTree {
  /** Preorder; feature = the own index from `featureIds`. */
  nodes: TreeNode[];
  /** Leaf node id reached by every training row. */
  leafOfRow: Int32Array;
  /** Class weights used: [w(success), w(failure)]. */
  weights: [number, number];
}

const FEATURE_THRESHOLD = 1e-7;
const EPSILON = Number.EPSILON;

/**
 * Fits a failure tree on a row-major (rows x cols) float32 matrix; y holds 0 (success) / 1 (failure).
 * `featureIds[j]` is the own index of column j (defaults to j); it orders tie-breaking and labels the nodes.
 * @example fitFailureTree(x, 1406, 50, failed, { ...DEFAULT_TREE_OPTIONS, maxDepth: 2 }, selected)
 */
export function fitFailureTree(
  X: Float32Array,
  rows: number,
  cols: number,
  y: ArrayLike<number>,
  options: TreeOptions,
  featureIds?: ArrayLike<number>,
): FittedTree {
  if (X.length !== rows * cols) throw new RangeError(`X has ${X.length} values, expected ${rows} x ${cols}`);
  if (y.length !== rows) throw new RangeError(`y has ${y.length} values, expected ${rows}`);
  validateOptions(options);
  const ids = featureIds ? Array.from(featureIds) : Array.from({ length: cols }, (_, j) => j);
  if (ids.length !== cols) throw new RangeError(`featureIds has ${ids.length} entries, expected ${cols}`);

  let failures = 0;
  for (let i = 0; i < rows; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`y[${i}] = ${y[i]} is not 0 or 1`);
    failures += y[i];
  }
  const successes = rows - failures;
  const weights: [number, number] =
    options.classWeight === 'balanced' && failures > 0 ? [1, successes / failures] : [1, 1];

  // Columns visited in ascending own index: the tie-breaking rule.
  const visit = ids.map((id, j) => ({ id, j })).sort((a, b) => a.id - b.id || a.j - b.j);
  const columns: Float64Array[] = [];
  const sorted: Int32Array[] = [];
  const sorter = new RadixArgsort(rows);
  for (let j = 0; j < cols; j++) {
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = X[i * cols + j];
      if (!Number.isFinite(v)) throw new RangeError(`X[${i}, ${j}] = ${v} is not finite`);
      col[i] = v;
    }
    const order = new Int32Array(rows);
    sorter.sort(col, rows, order);
    columns.push(col);
    sorted.push(order);
  }

  const ctx: BuildContext = {
    columns,
    visit,
    ids,
    y,
    options,
    weights,
    nodes: [],
    leafOfRow: new Int32Array(rows),
  };
  build(ctx, sorted, 0, null);
  return { nodes: ctx.nodes, leafOfRow: ctx.leafOfRow, weights };
}

interface BuildContext {
  columns: Float64Array[];
  visit: { id: number; j: number }[];
  ids: number[];
  y: ArrayLike<number>;
  options: TreeOptions;
  weights: [number, number];
  nodes: TreeNode[];
  leafOfRow: Int32Array;
}

interface Split {
  j: number;
  /** Samples (in sorted order of column j) going left. */
  pos: number;
  threshold: number;
}

/** Grows the subtree over the samples listed (per column, in sorted order) in `sorted`; returns its node id. */
function build(
  ctx: BuildContext,
  sorted: Int32Array[],
  depth: number,
  impurityFromParent: number | null,
): number {
  const { y, options, weights } = ctx;
  const members = sorted[0];
  const n = members.length;
  let failures = 0;
  for (let t = 0; t < n; t++) failures += y[members[t]];
  const w0 = (n - failures) * weights[0];
  const w1 = failures * weights[1];
  // sklearn computes the root impurity from scratch and children's from the parent's split statistics.
  const impurity = impurityFromParent ?? nodeImpurity(w0, w1, options.criterion);
  const id = ctx.nodes.length;
  const node: TreeNode = { id, depth, n, failures, impurity };
  ctx.nodes.push(node);

  let isLeaf =
    depth >= options.maxDepth ||
    n < options.minSamplesSplit ||
    n < 2 * options.minSamplesLeaf ||
    impurity <= EPSILON;
  const split = isLeaf ? null : bestSplit(ctx, sorted, w0, w1);
  if (!split) isLeaf = true;
  if (isLeaf || !split) {
    for (let t = 0; t < n; t++) ctx.leafOfRow[members[t]] = id;
    return id;
  }

  const goesLeft = new Uint8Array(ctx.leafOfRow.length);
  const chosen = sorted[split.j];
  for (let t = 0; t < split.pos; t++) goesLeft[chosen[t]] = 1;
  const nLeft = split.pos;
  const left: Int32Array[] = [];
  const right: Int32Array[] = [];
  for (const order of sorted) {
    const l = new Int32Array(nLeft);
    const r = new Int32Array(n - nLeft);
    let a = 0;
    let b = 0;
    for (let t = 0; t < n; t++) {
      const row = order[t];
      if (goesLeft[row]) l[a++] = row;
      else r[b++] = row;
    }
    left.push(l);
    right.push(r);
  }
  const impurities = childImpurities(left[0], right[0], y, weights, options.criterion);
  node.feature = ctx.ids[split.j];
  node.threshold = split.threshold;
  node.left = build(ctx, left, depth + 1, impurities[0]);
  node.right = build(ctx, right, depth + 1, impurities[1]);
  return id;
}

function bestSplit(ctx: BuildContext, sorted: Int32Array[], w0: number, w1: number): Split | null {
  const { columns, visit, y, options, weights } = ctx;
  const n = sorted[0].length;
  const minLeaf = options.minSamplesLeaf;
  let best: Split | null = null;
  let bestProxy = -Infinity;
  for (const { j } of visit) {
    const order = sorted[j];
    const col = columns[j];
    if (col[order[n - 1]] <= col[order[0]] + FEATURE_THRESHOLD) continue; // constant here
    let l0 = 0;
    let l1 = 0;
    let p = 0;
    while (p < n) {
      // Advance over values within FEATURE_THRESHOLD of their predecessor: no split between them.
      while (p + 1 < n && col[order[p + 1]] <= col[order[p]] + FEATURE_THRESHOLD) {
        if (y[order[p]]) l1 += weights[1];
        else l0 += weights[0];
        p++;
      }
      if (y[order[p]]) l1 += weights[1];
      else l0 += weights[0];
      p++;
      if (p >= n) break;
      if (p < minLeaf || n - p < minLeaf) continue;
      const r0 = w0 - l0;
      const r1 = w1 - l1;
      const wl = l0 + l1;
      const wr = r0 + r1;
      const proxy =
        -wr * nodeImpurity(r0, r1, options.criterion) - wl * nodeImpurity(l0, l1, options.criterion);
      if (proxy > bestProxy) {
        bestProxy = proxy;
        const a = col[order[p - 1]];
        const b = col[order[p]];
        let threshold = a / 2 + b / 2;
        if (threshold === b || !Number.isFinite(threshold)) threshold = a;
        best = { j, pos: p, threshold };
      }
    }
  }
  return best;
}

function childImpurities(
  left: Int32Array,
  right: Int32Array,
  y: ArrayLike<number>,
  weights: [number, number],
  criterion: Criterion,
): [number, number] {
  const side = (rows: Int32Array): number => {
    let f = 0;
    for (let t = 0; t < rows.length; t++) f += y[rows[t]];
    return nodeImpurity((rows.length - f) * weights[0], f * weights[1], criterion);
  };
  return [side(left), side(right)];
}

/** Impurity of a node with weighted class totals c0, c1: entropy in bits, or gini. */
export function nodeImpurity(c0: number, c1: number, criterion: Criterion): number {
  const total = c0 + c1;
  if (total <= 0) return 0;
  const p0 = c0 / total;
  const p1 = c1 / total;
  if (criterion === 'gini') return 1 - (p0 * p0 + p1 * p1);
  let e = 0;
  if (p0 > 0) e -= p0 * Math.log2(p0);
  if (p1 > 0) e -= p1 * Math.log2(p1);
  return e;
}

/** The leaf a sample reaches, given its value for any feature (own index) the tree asks about. */
export function leafFor(nodes: TreeNode[], value: (feature: number) => number): number {
  let node = nodes[0];
  while (node.feature !== undefined && node.left !== undefined && node.right !== undefined) {
    node = nodes[value(node.feature) <= (node.threshold as number) ? node.left : node.right];
  }
  return node.id;
}

function validateOptions(o: TreeOptions): void {
  if (o.criterion !== 'entropy' && o.criterion !== 'gini') {
    throw new RangeError(`criterion must be 'entropy' or 'gini', received ${String(o.criterion)}`);
  }
  if (!Number.isInteger(o.maxDepth) || o.maxDepth < 0) {
    throw new RangeError(`maxDepth must be a non-negative integer, received ${o.maxDepth}`);
  }
  if (!Number.isInteger(o.minSamplesLeaf) || o.minSamplesLeaf < 1) {
    throw new RangeError(`minSamplesLeaf must be a positive integer, received ${o.minSamplesLeaf}`);
  }
  if (!Number.isInteger(o.minSamplesSplit) || o.minSamplesSplit < 2) {
    throw new RangeError(`minSamplesSplit must be an integer >= 2, received ${o.minSamplesSplit}`);
  }
}
