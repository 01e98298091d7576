/**
 * Failure-mode discovery over a run (docs/method.md §2-5 and §8): groups the samples, analyses every group
 * (analyse-group.ts), in this thread or on worker threads, and summarises the dataset (summary.ts). Options and
 * their defaults: options.ts. Library code: throws, never prints; progress goes to a ProgressSink.
 */
import { join } from 'node:path';
import type { Run } from '../run/load.js';
import { RUN_FILES } from '../run/format.js';
import { writeJson } from '../run/tables.js';
import { FaultlineError, invalidOption } from '../shared/errors.js';
import { silentProgress } from '../shared/progress.js';
import { analyseGroup, type FeatureLoader } from './analyse-group.js';
import {
  buildGroups,
  chooseGrouping,
  failureFlags,
  labelCoverage,
  resolveClasses,
  type GroupingChoice,
} from './grouping.js';
import { loadGroupFeatures } from './group-features.js';
import {
  DEFAULT_DISCOVER_OPTIONS,
  storedOptions,
  validateDiscoverOptions,
  type DiscoverOptions,
  type ResolvedDiscoverOptions,
} from './options.js';
import { DISCOVERY_FORMAT, type DiscoveryResult, type GroupResult } from './schema.js';
import { summarise } from './summary.js';
import { foldAssignment, heldOutMask } from './validation.js';
import { WorkerFeatureLoader } from './worker-pool.js';

export {
  DEFAULT_DISCOVER_OPTIONS,
  optionsFromStored,
  storedOptions,
  validateDiscoverOptions,
  type DiscoverOptions,
  type StoredDiscoverOptions,
} from './options.js';
export type { FeatureLoader } from './analyse-group.js';
export { summarise } from './summary.js';

/**
 * Discovers the failure modes of every (selected) group of a run.
 * @example const result = await discover(loadRun('runs/val'), { depth: 2 }); writeDiscovery(run, result);
 */
export async function discover(run: Run, partial: Partial<DiscoverOptions> = {}): Promise<DiscoveryResult> {
  const started = Date.now();
  const requested: DiscoverOptions = { ...DEFAULT_DISCOVER_OPTIONS, ...partial };
  validateDiscoverOptions(requested);
  const grouping = groupingFor(run, requested);
  const options: ResolvedDiscoverOptions = { ...requested, groupBy: grouping.chosen };
  const featureSet = run.manifest.features[options.featureSet];
  if (!featureSet) {
    throw invalidOption(
      'featureSet',
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
      throw invalidOption('compare', `a prediction set other than "${options.predictionSet}"`, name);
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
    grouping: {
      requested: grouping.requested,
      chosen: grouping.chosen,
      labelledClasses: grouping.coverage.labelledClasses,
      outputClasses: grouping.coverage.outputClasses,
      predictionsOutsideLabels: grouping.coverage.predictionsOutsideLabels,
      predictedClassesOutsideLabels: grouping.coverage.predictedClassesOutsideLabels,
      ...(grouping.note ? { note: grouping.note } : {}),
    },
    options: storedOptions(options),
    groups: results,
    summary: summarise(results),
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * How `discover` will group this run's samples (and why), so a caller can say so before the run starts.
 * Labels must be valid class indices (discover checks them first).
 */
export function groupingFor(run: Run, partial: Partial<DiscoverOptions> = {}): GroupingChoice {
  const options = { ...DEFAULT_DISCOVER_OPTIONS, ...partial };
  const predictions = run.predictions(options.predictionSet);
  return chooseGrouping(options.groupBy, labelCoverage(run.samples, predictions, run.classes));
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
    throw new FaultlineError(`class ${classIndex} has no samples when grouped by ${result.options.groupBy}`);
  return group;
}

/** Writes <run>/discovery.json and returns its path. */
export function writeDiscovery(run: Run, result: DiscoveryResult): string {
  const file = join(run.dir, RUN_FILES.discovery);
  writeJson(file, result);
  return file;
}
