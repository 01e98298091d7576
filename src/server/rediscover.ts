/**
 * Re-fitting one class's failure tree with edited depth / min leaf / top-K, through the discover module, with
 * every other option as the loaded discovery.json recorded it (so the re-run differs only in what was edited).
 */
import type { DiscoverOptions } from '../discover/discover.js';
import type { DiscoveryResult, GroupResult } from '../discover/schema.js';
import type { Validation } from '../discover/validation.js';
import type { DiscoverySettings } from '../shared/api/explorer.js';
import type { ExplorerData } from '../explorer/explorer-data.js';
import { ApiHttpError } from './http-errors.js';

/** The discover options a discovery.json was made with. */
export function optionsOf(discovery: DiscoveryResult): Partial<DiscoverOptions> {
  const o = discovery.options;
  const v = o.validation;
  let validation: Validation;
  if (v.kind === 'split' && v.heldOutSplit) validation = { kind: 'split', heldOutSplit: v.heldOutSplit };
  else if (v.kind === 'random')
    validation = { kind: 'random', fraction: v.fraction ?? 0.2, seed: v.seed ?? 0 };
  else if (v.kind === 'kfold') validation = { kind: 'kfold', folds: v.folds ?? 5, seed: v.seed ?? 0 };
  else validation = { kind: 'none' };
  return {
    groupBy: o.groupBy,
    depth: o.depth,
    topFeatures: o.topFeatures,
    minLeaf: o.minLeaf,
    minSplit: o.minSplit,
    criterion: o.criterion,
    classWeight: o.classWeight,
    ranking: o.ranking,
    featureSet: o.featureSet,
    predictionSet: o.predictionSet,
    compare: o.compareWith ?? [],
    validation,
    miNoise: o.miNoise === 'sklearn' ? { kind: 'sklearn', seed: o.miSeed ?? 0 } : { kind: 'none' },
  };
}

/** Runs tasks one at a time in arrival order; a failed task does not stop the ones behind it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export async function rediscoverGroup(
  data: ExplorerData,
  classIndex: number,
  settings: DiscoverySettings,
): Promise<GroupResult> {
  if (!data.discovery) throw new ApiHttpError(409, 'This run has no discovery.json to re-run');
  // Loaded on first use: the discover module brings its worker pool, which a server that never re-runs needn't load.
  const { discoverGroup } = await import('../discover/discover.js');
  return discoverGroup(data.run, classIndex, { ...optionsOf(data.discovery), ...settings, workers: 0 });
}
