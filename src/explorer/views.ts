/**
 * Turns the loaded run into the explorer's JSON responses (see shared/api/explorer.ts). No HTTP here: routes validate the
 * request, call one of these and send the result; the static report calls the same functions.
 */
import { stringify } from 'csv-stringify/sync';
import { DEFAULT_DISCOVER_OPTIONS } from '../discover/options.js';
import { ruleText } from '../discover/rules.js';
import type { FailureMode, GroupResult } from '../discover/schema.js';
import type {
  ClassResponse,
  ClassRow,
  CompareResponse,
  CompareRow,
  MemberRow,
  MembersResponse,
  ModeResponse,
  ModeSummary,
  OverviewResponse,
  OverviewSort,
  RuleUse,
} from '../shared/api/explorer.js';
import { className, type ExplorerData } from './explorer-data.js';

/** Accepted name of a feature as seen from one class (null when none was accepted). */
export type FeatureNamer = (classIndex: number, feature: number) => string | null;

export interface Page {
  page: number;
  pageSize: number;
}

function namesFor(classIndex: number, features: Iterable<number>, namer: FeatureNamer): Map<number, string> {
  const names = new Map<number, string>();
  for (const f of features) {
    const name = namer(classIndex, f);
    if (name) names.set(f, name);
  }
  return names;
}

export function modeRule(
  data: ExplorerData,
  group: GroupResult,
  mode: FailureMode,
  namer: FeatureNamer,
): string {
  const names = namesFor(
    group.classIndex,
    mode.conditions.map((c) => c.feature),
    namer,
  );
  return ruleText(data.discovery?.options.groupBy ?? 'prediction', group.className, mode.conditions, names);
}

export function modeSummary(
  data: ExplorerData,
  group: GroupResult,
  mode: FailureMode,
  namer: FeatureNamer,
): ModeSummary {
  return {
    id: mode.id,
    rank: mode.rank,
    leaf: mode.leaf,
    conditions: mode.conditions,
    rule: modeRule(data, group, mode, namer),
    train: mode.train,
    heldOut: mode.heldOut ?? null,
    generalises: mode.generalises ?? null,
    memberCount: mode.members.length,
    comparison: mode.comparison ?? null,
  };
}

export function classRow(data: ExplorerData, classIndex: number): ClassRow {
  const stats = data.classStats[classIndex];
  const group = data.groupsByClass.get(classIndex);
  return {
    classIndex,
    className: className(data, classIndex),
    groupKey: group?.key ?? null,
    n: stats.n,
    failures: stats.failures,
    baseErrorRate: stats.baseErrorRate,
    topModeImportance: group?.modes[0]?.train.importance ?? null,
    modeCount: group?.modes.length ?? 0,
    skippedReason: group?.skippedReason ?? null,
  };
}

const sorters: Record<OverviewSort, (a: ClassRow, b: ClassRow) => number> = {
  error: (a, b) => b.baseErrorRate - a.baseErrorRate || b.failures - a.failures,
  importance: (a, b) => (b.topModeImportance ?? -1) - (a.topModeImportance ?? -1) || b.failures - a.failures,
  failures: (a, b) => b.failures - a.failures,
  name: (a, b) => a.className.localeCompare(b.className),
  index: (a, b) => a.classIndex - b.classIndex,
};

export function overview(
  data: ExplorerData,
  query: Page & { q: string; sort: OverviewSort },
): OverviewResponse {
  const needle = query.q.trim().toLowerCase();
  let rows = data.run.classes.map((c) => classRow(data, c.index));
  if (needle) {
    rows = rows.filter(
      (r) =>
        r.className.toLowerCase().includes(needle) ||
        String(r.classIndex) === needle ||
        (data.run.classes[r.classIndex]?.wnid ?? '').toLowerCase() === needle,
    );
  }
  rows.sort((a, b) => sorters[query.sort](a, b) || a.classIndex - b.classIndex);
  const start = (query.page - 1) * query.pageSize;
  return {
    runName: data.runName,
    datasetKind: data.run.manifest.dataset.kind,
    samples: data.run.samples.length,
    classCount: data.run.classes.length,
    groupBy: data.discovery?.options.groupBy ?? 'prediction',
    hasDiscovery: data.discovery !== null,
    accuracy: data.accuracyBySet.get(data.predictionSet) ?? 0,
    predictionSets: [...data.accuracyBySet].map(([name, acc]) => ({ name, accuracy: acc })),
    warnings: data.run.manifest.extract?.warnings ?? [],
    total: rows.length,
    page: query.page,
    pageSize: query.pageSize,
    sort: query.sort,
    classes: rows.slice(start, start + query.pageSize),
  };
}

export function classView(
  data: ExplorerData,
  classIndex: number,
  namer: FeatureNamer,
  canRediscover: boolean,
) {
  const group = data.groupsByClass.get(classIndex) ?? null;
  const options = data.discovery?.options;
  const features = group?.selectedFeatures.map((s) => s.feature) ?? [];
  const names = namesFor(classIndex, features, namer);
  const response: ClassResponse = {
    class: classRow(data, classIndex),
    // Without a discovery there is no grouping to resolve; class statistics then go by prediction.
    groupBy: options?.groupBy ?? 'prediction',
    settings: {
      depth: options?.depth ?? DEFAULT_DISCOVER_OPTIONS.depth,
      minLeaf: options?.minLeaf ?? DEFAULT_DISCOVER_OPTIONS.minLeaf,
      topFeatures: options?.topFeatures ?? DEFAULT_DISCOVER_OPTIONS.topFeatures,
    },
    edited: data.editedClasses.has(classIndex),
    aler: group?.aler ?? null,
    precision: group?.precision ?? null,
    recall: group?.recall ?? null,
    selectedFeatures: (group?.selectedFeatures ?? []).map((s) => ({
      ...s,
      name: names.get(s.feature) ?? null,
    })),
    tree: group?.tree?.nodes ?? null,
    modes: (group?.modes ?? []).map((m) => modeSummary(data, group as GroupResult, m, namer)),
    featureNames: Object.fromEntries([...names].map(([f, n]) => [String(f), n])),
    canRediscover: canRediscover && group !== null,
  };
  return response;
}

function memberRows(
  data: ExplorerData,
  mode: FailureMode,
): { failures: MemberRow[]; successes: MemberRow[] } {
  const failures: MemberRow[] = [];
  const successes: MemberRow[] = [];
  for (const id of mode.members) {
    const row = data.rowById.get(id);
    if (row === undefined) continue;
    const sample = data.run.samples[row];
    const prediction = data.predictions[row];
    const member: MemberRow = {
      row,
      id,
      label: sample.label,
      labelName: sample.labelName || className(data, sample.label),
      prediction,
      predictionName: className(data, prediction),
      failure: prediction !== sample.label,
    };
    (member.failure ? failures : successes).push(member);
  }
  return { failures, successes };
}

export function modeView(
  data: ExplorerData,
  group: GroupResult,
  mode: FailureMode,
  namer: FeatureNamer,
): ModeResponse {
  const { failures, successes } = memberRows(data, mode);
  return {
    mode: modeSummary(data, group, mode, namer),
    groupKey: group.key,
    classIndex: group.classIndex,
    className: group.className,
    baseErrorRate: group.baseErrorRate,
    failures: failures.length,
    successes: successes.length,
  };
}

export function modeMembers(
  data: ExplorerData,
  mode: FailureMode,
  query: Page & { kind: 'failures' | 'successes' },
): MembersResponse {
  const rows = memberRows(data, mode)[query.kind];
  const start = (query.page - 1) * query.pageSize;
  return {
    kind: query.kind,
    total: rows.length,
    page: query.page,
    pageSize: query.pageSize,
    items: rows.slice(start, start + query.pageSize),
  };
}

/** All members (failures first) for the CSV export. */
export function allMembers(data: ExplorerData, mode: FailureMode): MemberRow[] {
  const { failures, successes } = memberRows(data, mode);
  return [...failures, ...successes];
}

/** A mode's members as CSV (the explorer's download and the static report's file share this layout). */
export function membersCsv(members: MemberRow[]): string {
  return stringify(
    members.map((m) => [
      m.row,
      m.id,
      m.label,
      m.labelName,
      m.prediction,
      m.predictionName,
      m.failure ? 1 : 0,
    ]),
    {
      header: true,
      columns: ['row', 'id', 'label', 'label_name', 'prediction', 'prediction_name', 'failure'],
    },
  );
}

/** Every failure mode whose rule tests `feature`, most important first. */
export function rulesUsingFeature(data: ExplorerData, feature: number, namer: FeatureNamer): RuleUse[] {
  const uses: RuleUse[] = [];
  for (const group of data.groupsByClass.values()) {
    for (const mode of group.modes) {
      if (!mode.conditions.some((c) => c.feature === feature)) continue;
      uses.push({
        modeId: mode.id,
        groupKey: group.key,
        classIndex: group.classIndex,
        className: group.className,
        rule: modeRule(data, group, mode, namer),
        importance: mode.train.importance,
      });
    }
  }
  return uses.sort((a, b) => b.importance - a.importance);
}

/**
 * Model comparison: per-class accuracy (on samples labelled with the class) under each prediction set, sorted by
 * the largest change, plus the modes that carry comparison metrics.
 */
export function compareView(
  data: ExplorerData,
  otherPredictions: ReadonlyMap<string, Int32Array>,
  query: Page,
  namer: FeatureNamer,
): CompareResponse {
  const sets = [data.predictionSet, ...otherPredictions.keys()];
  const predsBySet = new Map<string, Int32Array>([
    [data.predictionSet, data.predictions],
    ...otherPredictions,
  ]);
  const classCount = data.run.classes.length;
  const n = new Uint32Array(classCount);
  const right = new Map(sets.map((s) => [s, new Uint32Array(classCount)]));
  for (let i = 0; i < data.labels.length; i++) {
    const label = data.labels[i];
    n[label]++;
    for (const s of sets) if (predsBySet.get(s)![i] === label) right.get(s)![label]++;
  }
  const rows: CompareRow[] = [];
  for (let c = 0; c < classCount; c++) {
    if (n[c] === 0) continue;
    const acc: Record<string, number> = {};
    for (const s of sets) acc[s] = right.get(s)![c] / n[c];
    rows.push({
      classIndex: c,
      className: className(data, c),
      n: n[c],
      accuracy: acc,
      delta: sets.length > 1 ? acc[sets[1]] - acc[sets[0]] : 0,
    });
  }
  rows.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.classIndex - b.classIndex);
  const modes: CompareResponse['modes'] = [];
  for (const group of data.groupsByClass.values()) {
    for (const mode of group.modes) {
      if (!mode.comparison) continue;
      modes.push({
        id: mode.id,
        className: group.className,
        rule: modeRule(data, group, mode, namer),
        train: mode.train,
        other: mode.comparison,
      });
    }
  }
  const start = (query.page - 1) * query.pageSize;
  return {
    sets: sets.map((name) => ({ name, accuracy: data.accuracyBySet.get(name) ?? 0 })),
    total: rows.length,
    page: query.page,
    pageSize: query.pageSize,
    rows: rows.slice(start, start + query.pageSize),
    modes: modes.sort((a, b) => b.train.importance - a.train.importance).slice(0, 200),
  };
}
