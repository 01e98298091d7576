/**
 * Which (class, feature) pairs a study asks about, chosen from discovery.json (pure).
 *
 * - 'top-modes': per group, the features used by its failure modes, in mode rank order and, within a mode, from
 *   the root condition down; a feature used by several modes counts once. These are the features engineers must
 *   understand to act on the modes.
 * - 'top-per-class': per group, its selected features in ranking order (best first), as the paper's study did
 *   (the top 5 features of every class).
 * At most `featuresPerClass` per group; `featureRank` is the 1-based position in that list. Groups are visited in
 * discovery order; when grouping by prediction and by label yields the same class twice, its pairs are merged.
 */
import type { DiscoveryResult } from '../discover/schema.js';
import type { TaskSpec } from './types.js';

export interface TasksFromDiscoveryOptions {
  features: 'top-modes' | 'top-per-class';
  featuresPerClass: number;
  /** Feature set name (default: the one the discovery used). */
  featureSet?: string;
  /** WordNet ids by class index, when the run knows them. */
  wnids?: ReadonlyMap<number, string>;
}

export function tasksFromDiscovery(
  discovery: DiscoveryResult,
  options: TasksFromDiscoveryOptions,
): TaskSpec[] {
  const featureSet = options.featureSet ?? discovery.options.featureSet;
  const perClass = new Map<number, { className: string; features: number[] }>();
  for (const group of discovery.groups) {
    const candidates =
      options.features === 'top-modes'
        ? [...group.modes].sort((a, b) => a.rank - b.rank).flatMap((m) => m.conditions.map((c) => c.feature))
        : group.selectedFeatures.map((f) => f.feature);
    let entry = perClass.get(group.classIndex);
    if (!entry) perClass.set(group.classIndex, (entry = { className: group.className, features: [] }));
    for (const feature of candidates) {
      if (entry.features.length >= options.featuresPerClass) break;
      if (!entry.features.includes(feature)) entry.features.push(feature);
    }
  }
  const tasks: TaskSpec[] = [];
  for (const [classIndex, entry] of perClass) {
    entry.features.forEach((featureIndex, i) =>
      tasks.push({
        featureSet,
        classIndex,
        className: entry.className,
        wnid: options.wnids?.get(classIndex) ?? null,
        featureIndex,
        featureRank: i + 1,
      }),
    );
  }
  return tasks;
}
