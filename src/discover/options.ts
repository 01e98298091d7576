/**
 * The options of `discover` and their one set of defaults: the CLI, the explorer's re-run and the report take
 * them from here. `storedOptions` is what discovery.json records (every option that decides the result), and
 * `optionsFromStored` reads it back, so a re-run from a discovery file uses exactly the options it was made with.
 * Errors name option keys (`depth`, `topFeatures`, ...); the CLI maps them to its flags.
 */
import { invalidOption } from '../shared/errors.js';
import type { ProgressSink } from '../shared/progress.js';
import type { MutualInformationNoise } from './mutual-information.js';
import type { GroupByRequest } from './grouping.js';
import type { TreeOptions } from '../shared/api/discovery.js';
import type { DiscoveryResult, GroupBy } from './schema.js';
import type { Validation } from './validation.js';

export interface DiscoverOptions extends TreeOptions {
  /** 'auto' = by prediction, or by label when the labels cover only part of the model's classes (grouping.ts). */
  groupBy: GroupByRequest;
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

/** The options with the grouping resolved to what discover used. */
export type ResolvedDiscoverOptions = Omit<DiscoverOptions, 'groupBy'> & { groupBy: GroupBy };

export const DEFAULT_DISCOVER_OPTIONS: DiscoverOptions = {
  groupBy: 'auto',
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

export type StoredDiscoverOptions = DiscoveryResult['options'];

/** The options as discovery.json records them: all that decide the result, nothing about how it was computed. */
export function storedOptions(options: ResolvedDiscoverOptions): StoredDiscoverOptions {
  return {
    groupBy: options.groupBy,
    depth: options.depth,
    topFeatures: options.topFeatures,
    minLeaf: options.minLeaf,
    minSplit: options.minSplit,
    criterion: options.criterion,
    classWeight: options.classWeight,
    ranking: options.ranking,
    ...(options.classes ? { classes: [...options.classes] } : {}),
    featureSet: options.featureSet,
    predictionSet: options.predictionSet,
    validation: { ...options.validation },
    ...(options.compare.length > 0 ? { compareWith: [...options.compare] } : {}),
    miNoise: options.miNoise.kind,
    ...(options.miNoise.kind !== 'none' ? { miSeed: options.miNoise.seed } : {}),
  };
}

/**
 * The options a discovery file was made with (the inverse of storedOptions). Files written before miNoise was
 * recorded had no tie-breaking noise.
 */
export function optionsFromStored(o: StoredDiscoverOptions): Partial<DiscoverOptions> {
  const v = o.validation;
  let validation: Validation;
  if (v.kind === 'split' && v.heldOutSplit) validation = { kind: 'split', heldOutSplit: v.heldOutSplit };
  else if (v.kind === 'random')
    validation = { kind: 'random', fraction: v.fraction ?? 0.2, seed: v.seed ?? 0 };
  else if (v.kind === 'kfold') validation = { kind: 'kfold', folds: v.folds ?? 5, seed: v.seed ?? 0 };
  else validation = { kind: 'none' };
  const noise = o.miNoise ?? 'none';
  return {
    groupBy: o.groupBy,
    depth: o.depth,
    topFeatures: o.topFeatures,
    minLeaf: o.minLeaf,
    minSplit: o.minSplit,
    criterion: o.criterion,
    classWeight: o.classWeight,
    ranking: o.ranking,
    ...(o.classes ? { classes: [...o.classes] } : {}),
    featureSet: o.featureSet,
    predictionSet: o.predictionSet,
    compare: o.compareWith ?? [],
    validation,
    miNoise: noise === 'none' ? { kind: 'none' } : { kind: noise, seed: o.miSeed ?? 0 },
  };
}

/** Checks the options; a bad one is a FaultlineError naming its key (e.g. "for depth"). */
export function validateDiscoverOptions(o: DiscoverOptions): void {
  const positive = (name: keyof DiscoverOptions, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) throw invalidOption(name, `an integer >= ${min}`, v);
  };
  positive('depth', o.depth);
  positive('topFeatures', o.topFeatures);
  positive('minLeaf', o.minLeaf);
  positive('minSplit', o.minSplit, 2);
  positive('workers', o.workers, 0);
  if (o.groupBy !== 'prediction' && o.groupBy !== 'label' && o.groupBy !== 'auto')
    throw invalidOption('groupBy', "'auto', 'prediction' or 'label'", o.groupBy);
  if (o.criterion !== 'entropy' && o.criterion !== 'gini')
    throw invalidOption('criterion', "'entropy' or 'gini'", o.criterion);
  if (o.classWeight !== 'balanced' && o.classWeight !== 'none')
    throw invalidOption('classWeight', "'balanced' or 'none'", o.classWeight);
  if (o.ranking !== 'mutual-information' && o.ranking !== 'mean-activation') {
    throw invalidOption('ranking', "'mutual-information' or 'mean-activation'", o.ranking);
  }
  if (o.validation.kind === 'random' && !(o.validation.fraction > 0 && o.validation.fraction < 1)) {
    throw invalidOption('validation.fraction', 'a number in (0, 1)', o.validation.fraction);
  }
}
