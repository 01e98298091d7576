/** The dataset-wide view of a discovery: counts, and groups ranked by error rate and by their top mode. */
import type { DiscoverySummary, GroupResult } from './schema.js';

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
