/**
 * Failure-mode discovery over a run (docs/method.md sections 2-5 and 8): per group, rank features, fit the failure
 * tree, turn failure leaves into ranked modes, score them on held-out samples and under other models' predictions,
 * and summarise the dataset. Library code: throws, never prints; progress goes to a ProgressSink.
 */
import { join } from 'node:path';
import type { Run } from '../run/load.js';
import { RUN_FILES } from '../run/format.js';
import { writeJson } from '../run/tables.js';
import { FaultlineError, invalidOption } from '../shared/errors.js';
import { silentProgress, type ProgressSink } from '../shared/progress.js';
import { buildGroups, failureFlags, resolveClasses, type Group } from './grouping.js';
import { loadGroupFeatures, type GroupFeatureRequest, type GroupFeatures } from './group-features.js';
import { baseErrorRate, leafMetrics, treeMetrics } from './metrics.js';
import type { MutualInformationNoise } from './mutual-information.js';
import { pathTo, ruleText } from './rules.js';
import {
  DISCOVERY_FORMAT,
  type Criterion,
  type DiscoveryResult,
  type DiscoverySummary,
  type FailureMode,
  type FeatureRanking,
  type GroupBy,
  type GroupResult,
} from './schema.js';
import { fitFailureTree, leafFor } from './tree.js';
import { foldAssignment, heldOutMask, type Validation } from './validation.js';
import { WorkerFeatureLoader } from './worker-pool.js';

export interface DiscoverOptions {
  groupBy: GroupBy;
  depth: number;
  topFeatures: number;
  minLeaf: number;
  minSplit: number;
  criterion: Criterion;
  classWeight: 'balanced' | 'none';
  ranking: FeatureRanking;
  /** Only these classes (indices, names or wnids); all when absent. */
  classes?: string[];
  featureSet: string;
  predictionSet: string;
  /** Other prediction sets of the run to score every mode under. */
  compare: string[];
  validation: Validation;
  /** MI tie-breaking noise; default a fast seeded jitter (see mutual-information.ts for the three kinds). */
  miNoise: MutualInformationNoise;
  /** Names of features (own index -> name) shown in rules. */
  featureNames?: ReadonlyMap<number, string>;
  /** Worker threads reading and ranking groups in parallel; 0 = in this thread. */
  workers: number;
  progress?: ProgressSink;
}

export const DEFAULT_DISCOVER_OPTIONS: DiscoverOptions = {
  groupBy: 'prediction',
  depth: 1,
  topFeatures: 50,
  minLeaf: 1,
  minSplit: 2,
  criterion: 'entropy',
  classWeight: 'balanced',
  ranking: 'mutual-information',
  featureSet: 'robust',
  predictionSet: 'inspected',
  compare: [],
  validation: { kind: 'none' },
  miNoise: { kind: 'jitter', seed: 0 },
  workers: 0,
};

/** Something that turns a group request into its selected features (in-thread or via workers). */
export interface FeatureLoader {
  load(req: GroupFeatureRequest): Promise<GroupFeatures>;
  close(): Promise<void>;
}

/**
 * Discovers the failure modes of every (selected) group of a run.
 * @example const result = await discover(loadRun('runs/val'), { depth: 2 }); writeDiscovery(run, result);
 */
export async function discover(run: Run, partial: Partial<DiscoverOptions> = {}): Promise<DiscoveryResult> {
  const started = Date.now();
  const options: DiscoverOptions = { ...DEFAULT_DISCOVER_OPTIONS, ...partial };
  validateOptions(options);
  const featureSet = run.manifest.features[options.featureSet];
  if (!featureSet) {
    throw invalidOption(
      '--features',
      `a feature set of the run (${Object.keys(run.manifest.features).join(', ')})`,
      options.featureSet,
    );
  }
  const predictions = run.predictions(options.predictionSet);
  for (const [i, s] of run.samples.entries()) {
    if (!Number.isInteger(s.label) || s.label < 0 || s.label >= run.classes.length) {
      throw new FaultlineError(
        `${join(run.dir, RUN_FILES.samples)}: row ${i + 2} ("${s.id}") has label ${s.label}, not a class index in [0, ${run.classes.length})`,
      );
    }
  }
  const compared = options.compare.map((name) => {
    if (name === options.predictionSet) {
      throw invalidOption('--compare', `a prediction set other than "${options.predictionSet}"`, name);
    }
    return { name, failed: failureFlags(run.samples, run.predictions(name)) };
  });
  const only = options.classes ? resolveClasses(options.classes, run.classes) : undefined;
  const groups = buildGroups(run.samples, predictions, run.classes, options.groupBy, only);
  const failed = failureFlags(run.samples, predictions);
  // Stratum = group x failure flag, so every held-out part keeps each group's error rate.
  const strata = new Int32Array(run.samples.length).fill(-1); // -1: in no analysed group
  for (const g of groups) for (const r of g.rows) strata[r] = g.classIndex * 2 + failed[r];
  const heldOut = heldOutMask(run.samples, strata, options.validation);
  const folds =
    options.validation.kind === 'kfold'
      ? foldAssignment(strata, options.validation.folds, options.validation.seed)
      : undefined;

  const reader = run.openFeatures(options.featureSet);
  const loader: FeatureLoader =
    options.workers > 0
      ? new WorkerFeatureLoader(reader.file, options.workers)
      : {
          load: async (req) => loadGroupFeatures(reader, req),
          close: async () => {},
        };
  const progress = options.progress ?? silentProgress;
  const results: GroupResult[] = new Array(groups.length);
  try {
    let done = 0;
    progress.update(0, groups.length);
    // Keep the loader busy: up to 2 requests per worker in flight, results stored by index (order-independent).
    const concurrency = Math.max(1, options.workers * 2);
    let next = 0;
    const runOne = async (): Promise<void> => {
      while (next < groups.length) {
        const index = next++;
        results[index] = await analyseGroup(run, groups[index], {
          options,
          failed,
          heldOut,
          folds,
          compared,
          loader,
        });
        progress.update(++done, groups.length);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, runOne));
  } finally {
    progress.stop();
    await loader.close();
    reader.close();
  }

  return {
    format: DISCOVERY_FORMAT,
    createdAt: new Date().toISOString(),
    run: run.dir,
    options: {
      groupBy: options.groupBy,
      depth: options.depth,
      topFeatures: options.topFeatures,
      minLeaf: options.minLeaf,
      minSplit: options.minSplit,
      criterion: options.criterion,
      classWeight: options.classWeight,
      ranking: options.ranking,
      featureSet: options.featureSet,
      predictionSet: options.predictionSet,
      validation: { ...options.validation },
      ...(options.compare.length > 0 ? { compareWith: [...options.compare] } : {}),
      miNoise: options.miNoise.kind,
      ...(options.miNoise.kind !== 'none' ? { miSeed: options.miNoise.seed } : {}),
    },
    groups: results,
    summary: summarise(results),
    seconds: (Date.now() - started) / 1000,
  };
}

/** One class's analysis (for the explorer's "re-run with these settings"). */
export async function discoverGroup(
  run: Run,
  classIndex: number,
  partial: Partial<DiscoverOptions> = {},
): Promise<GroupResult> {
  const result = await discover(run, { ...partial, classes: [String(classIndex)], workers: 0 });
  const group = result.groups[0];
  if (!group)
    throw new FaultlineError(
      `class ${classIndex} has no samples when grouped by ${partial.groupBy ?? 'prediction'}`,
    );
  return group;
}

/** Writes <run>/discovery.json and returns its path. */
export function writeDiscovery(run: Run, result: DiscoveryResult): string {
  const file = join(run.dir, RUN_FILES.discovery);
  writeJson(file, result);
  return file;
}

interface GroupContext {
  options: DiscoverOptions;
  failed: Uint8Array;
  heldOut: Uint8Array;
  folds?: Int32Array;
  compared: { name: string; failed: Uint8Array }[];
  loader: FeatureLoader;
}

async function analyseGroup(run: Run, group: Group, ctx: GroupContext): Promise<GroupResult> {
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

function skipReason(n: number, f: number, options: DiscoverOptions): string | undefined {
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

/** Dataset-wide view: classes ranked by BER and by the IV of their top mode. */
export function summarise(groups: GroupResult[]): DiscoverySummary {
  const index = new Map(groups.map((g, i) => [g.key, i]));
  const byIndex = (a: GroupResult, b: GroupResult): number =>
    (index.get(a.key) ?? 0) - (index.get(b.key) ?? 0);
  const modes = groups.reduce((s, g) => s + g.modes.length, 0);
  const withHeldOut = groups.flatMap((g) => g.modes).filter((m) => m.generalises !== undefined);
  return {
    groups: groups.length,
    groupsWithTree: groups.filter((g) => g.tree).length,
    groupsSkipped: groups.filter((g) => g.skippedReason).length,
    modes,
    ...(withHeldOut.length > 0 ? { modesGeneralising: withHeldOut.filter((m) => m.generalises).length } : {}),
    byBaseErrorRate: [...groups]
      .sort((a, b) => b.baseErrorRate - a.baseErrorRate || byIndex(a, b))
      .map((g) => g.key),
    byTopModeImportance: groups
      .filter((g) => g.modes.length > 0)
      .sort((a, b) => topImportance(b) - topImportance(a) || byIndex(a, b))
      .map((g) => g.key),
  };
}

function topImportance(g: GroupResult): number {
  return g.modes[0]?.train.importance ?? 0;
}

function validateOptions(o: DiscoverOptions): void {
  const positive = (name: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) throw invalidOption(name, `an integer >= ${min}`, v);
  };
  positive('--depth', o.depth);
  positive('--top-features', o.topFeatures);
  positive('--min-leaf', o.minLeaf);
  positive('--min-split', o.minSplit, 2);
  positive('--workers', o.workers, 0);
  if (o.groupBy !== 'prediction' && o.groupBy !== 'label')
    throw invalidOption('--group-by', "'prediction' or 'label'", o.groupBy);
  if (o.criterion !== 'entropy' && o.criterion !== 'gini')
    throw invalidOption('--criterion', "'entropy' or 'gini'", o.criterion);
  if (o.ranking !== 'mutual-information' && o.ranking !== 'mean-activation') {
    throw invalidOption('--ranking', "'mi' or 'mean'", o.ranking);
  }
  if (o.validation.kind === 'random' && !(o.validation.fraction > 0 && o.validation.fraction < 1)) {
    throw invalidOption('--held-out-fraction', 'a number in (0, 1)', o.validation.fraction);
  }
}
