/**
 * One group's analysis (docs/method.md §2-5): rank its features, fit the failure tree on the fitted part, turn
 * failure leaves into ranked modes, and score them on held-out samples, across folds and under other models'
 * predictions.
 */
import type { Run } from '../run/load.js';
import type { Group } from './grouping.js';
import type { GroupFeatureRequest, GroupFeatures } from './group-features.js';
import { baseErrorRate, leafMetrics, treeMetrics } from './metrics.js';
import type { ResolvedDiscoverOptions } from './options.js';
import { pathTo, ruleText } from './rules.js';
import type { FailureMode, GroupResult } from './schema.js';
import { fitFailureTree, leafFor } from './tree.js';

/** Something that turns a group request into its selected features (in-thread or via workers). */
export interface FeatureLoader {
  load(req: GroupFeatureRequest): Promise<GroupFeatures>;
  close(): Promise<void>;
}

export interface GroupContext {
  options: ResolvedDiscoverOptions;
  failed: Uint8Array;
  heldOut: Uint8Array;
  folds?: Int32Array;
  compared: { name: string; failed: Uint8Array }[];
  loader: FeatureLoader;
}

export async function analyseGroup(run: Run, group: Group, ctx: GroupContext): Promise<GroupResult> {
  const { options, failed, heldOut } = ctx;
  const rows = group.rows;
  const groupFailed = new Uint8Array(rows.length);
  const fit = new Uint8Array(rows.length);
  let n = 0;
  let f = 0;
  let heldN = 0;
  let heldF = 0;
  for (let t = 0; t < rows.length; t++) {
    groupFailed[t] = failed[rows[t]];
    if (heldOut[rows[t]]) {
      heldN++;
      heldF += groupFailed[t];
    } else {
      fit[t] = 1;
      n++;
      f += groupFailed[t];
    }
  }
  const result: GroupResult = {
    key: group.key,
    classIndex: group.classIndex,
    className: group.className,
    n,
    failures: f,
    baseErrorRate: baseErrorRate(n, f),
    selectedFeatures: [],
    modes: [],
  };
  if (heldN > 0) result.heldOut = { n: heldN, failures: heldF, baseErrorRate: baseErrorRate(heldN, heldF) };
  if (ctx.compared.length > 0) {
    result.comparison = {};
    for (const c of ctx.compared) {
      let cf = 0;
      for (const r of rows) cf += c.failed[r];
      result.comparison[c.name] = {
        n: rows.length,
        failures: cf,
        baseErrorRate: baseErrorRate(rows.length, cf),
      };
    }
  }
  const skip = skipReason(n, f, options);
  if (skip) {
    result.skippedReason = skip;
    return result;
  }

  const features = await ctx.loader.load({
    rows,
    fit,
    failed: groupFailed,
    ranking: options.ranking,
    topK: options.topFeatures,
    noise: options.miNoise,
  });
  const k = features.selected.length;
  const featureIds = features.selected.map((s) => s.feature);
  result.selectedFeatures = features.selected;
  const fitRows = subsetRows(features.matrix, k, fit);
  const fitFailed = groupFailed.filter((_, t) => fit[t] === 1);
  const treeOptions = {
    criterion: options.criterion,
    maxDepth: options.depth,
    minSamplesLeaf: options.minLeaf,
    minSamplesSplit: options.minSplit,
    classWeight: options.classWeight,
  };
  const tree = fitFailureTree(fitRows, n, k, fitFailed, treeOptions, featureIds);
  result.tree = { nodes: tree.nodes };
  const leaves = tree.nodes.filter((node) => node.feature === undefined);
  const metrics = treeMetrics(leaves.map((l) => ({ leaf: l.id, n: l.n, failures: l.failures })));
  result.aler = metrics.aler;
  result.precision = metrics.precision;
  result.recall = metrics.recall;

  // Leaf of every group row (fit and held out), from the selected-feature matrix.
  const column = new Map(featureIds.map((feature, j) => [feature, j]));
  const leafOfRow = new Int32Array(rows.length);
  for (let t = 0; t < rows.length; t++) {
    leafOfRow[t] = leafFor(tree.nodes, (feature) => features.matrix[t * k + (column.get(feature) as number)]);
  }

  result.modes = metrics.failureLeaves.map((leaf, index): FailureMode => {
    const conditions = pathTo(tree.nodes, leaf.leaf);
    const mode: FailureMode = {
      id: `${group.key}/${leaf.leaf}`,
      rank: index + 1,
      leaf: leaf.leaf,
      conditions,
      rule: ruleText(options.groupBy, group.className, conditions, options.featureNames),
      train: {
        n: leaf.n,
        failures: leaf.failures,
        errorRate: leaf.errorRate,
        errorCoverage: leaf.errorCoverage,
        importance: leaf.importance,
      },
      members: [],
    };
    if (heldN > 0) {
      const held = countLeaf(leafOfRow, groupFailed, leaf.leaf, (t) => heldOut[rows[t]] === 1);
      mode.heldOut = {
        ...leafMetrics(held.n, held.failures, heldF),
        baseErrorRate: baseErrorRate(heldN, heldF),
      };
      // A mode generalises when its rule still picks out a higher error rate than the base rate on unseen data.
      mode.generalises = held.n > 0 && mode.heldOut.errorRate > mode.heldOut.baseErrorRate;
    }
    for (let t = 0; t < rows.length; t++)
      if (leafOfRow[t] === leaf.leaf) mode.members.push(run.samples[rows[t]].id);
    if (ctx.compared.length > 0) {
      mode.comparison = {};
      for (const c of ctx.compared) {
        const other = result.comparison?.[c.name];
        let ln = 0;
        let lf = 0;
        for (let t = 0; t < rows.length; t++) {
          if (leafOfRow[t] !== leaf.leaf) continue;
          ln++;
          lf += c.failed[rows[t]];
        }
        mode.comparison[c.name] = {
          ...leafMetrics(ln, lf, other?.failures ?? 0),
          baseErrorRate: other?.baseErrorRate ?? 0,
        };
      }
    }
    return mode;
  });

  if (ctx.folds)
    result.crossValidation = crossValidate(
      features.matrix,
      k,
      featureIds,
      rows,
      groupFailed,
      ctx.folds,
      treeOptions,
    );
  return result;
}

function skipReason(n: number, f: number, options: ResolvedDiscoverOptions): string | undefined {
  if (f === 0) return 'no failures (F = 0): nothing to explain';
  if (f === n) return 'every sample is a failure (F = N): no successes to contrast, BER = 1';
  if (n < 2 * options.minLeaf || n < options.minSplit) {
    return `too small: N = ${n} is below 2 x min leaf (${2 * options.minLeaf}) or min split (${options.minSplit})`;
  }
  return undefined;
}

function subsetRows(matrix: Float32Array, k: number, keep: Uint8Array): Float32Array {
  let count = 0;
  for (const v of keep) count += v;
  if (count === keep.length) return matrix;
  const out = new Float32Array(count * k);
  let o = 0;
  for (let t = 0; t < keep.length; t++) {
    if (!keep[t]) continue;
    out.set(matrix.subarray(t * k, (t + 1) * k), o * k);
    o++;
  }
  return out;
}

function countLeaf(
  leafOfRow: Int32Array,
  failed: Uint8Array,
  leaf: number,
  include: (t: number) => boolean,
): { n: number; failures: number } {
  let n = 0;
  let failures = 0;
  for (let t = 0; t < leafOfRow.length; t++) {
    if (leafOfRow[t] !== leaf || !include(t)) continue;
    n++;
    failures += failed[t];
  }
  return { n, failures };
}

/**
 * k-fold: refit the tree on every fold's complement (on the features selected from all of the group, a
 * documented shortcut: ranking is not repeated per fold) and pool the out-of-fold samples that land in the
 * refitted tree's failure leaves.
 */
function crossValidate(
  matrix: Float32Array,
  k: number,
  featureIds: number[],
  rows: Int32Array,
  failed: Uint8Array,
  folds: Int32Array,
  treeOptions: Parameters<typeof fitFailureTree>[4],
): GroupResult['crossValidation'] {
  const foldCount = Math.max(...Array.from(rows, (r) => folds[r])) + 1;
  let inLeaves = 0;
  let failuresInLeaves = 0;
  let totalFailures = 0;
  const column = new Map(featureIds.map((feature, j) => [feature, j]));
  for (let fold = 0; fold < foldCount; fold++) {
    const train = Uint8Array.from(rows, (r) => (folds[r] === fold ? 0 : 1));
    const trainFailed = failed.filter((_, t) => train[t] === 1);
    const tf = trainFailed.reduce((s, v) => s + v, 0);
    let testFailures = 0;
    for (let t = 0; t < rows.length; t++) if (!train[t]) testFailures += failed[t];
    totalFailures += testFailures;
    if (tf === 0 || tf === trainFailed.length) continue;
    const tree = fitFailureTree(
      subsetRows(matrix, k, train),
      trainFailed.length,
      k,
      trainFailed,
      treeOptions,
      featureIds,
    );
    const leaves = tree.nodes.filter((node) => node.feature === undefined);
    const failureLeaves = new Set(
      treeMetrics(leaves.map((l) => ({ leaf: l.id, n: l.n, failures: l.failures }))).failureLeaves.map(
        (l) => l.leaf,
      ),
    );
    for (let t = 0; t < rows.length; t++) {
      if (train[t]) continue;
      const leaf = leafFor(tree.nodes, (feature) => matrix[t * k + (column.get(feature) as number)]);
      if (!failureLeaves.has(leaf)) continue;
      inLeaves++;
      failuresInLeaves += failed[t];
    }
  }
  return {
    folds: foldCount,
    precision: inLeaves === 0 ? 0 : failuresInLeaves / inLeaves,
    recall: totalFailures === 0 ? 0 : failuresInLeaves / totalFailures,
    heldOutFailureLeafSamples: inLeaves,
  };
}
