/**
 * Groups of a run (docs/method.md §2): samples grouped by predicted class or by true label, each with its
 * failure flags (prediction != label), and the resolution of `--classes` names to class indices.
 */
import type { ClassInfo, Prediction, Sample } from '../shared/types.js';
import { normaliseClassName } from '../ingest/names.js';
import { FaultlineError } from '../shared/errors.js';
import { groupKey, type GroupBy } from './schema.js';

export interface Group {
  key: string;
  classIndex: number;
  className: string;
  /** Sample rows (= feature rows) of the group, ascending. */
  rows: Int32Array;
}

/** failed[i] = 1 when sample i is misclassified. */
export function failureFlags(samples: Sample[], predictions: Prediction[]): Uint8Array {
  const failed = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) failed[i] = predictions[i].prediction !== samples[i].label ? 1 : 0;
  return failed;
}

/**
 * How much of the model's output space the dataset's labels cover. Grouping by prediction (the paper's choice)
 * assumes they cover all of it: every prediction of a class no sample is labelled with is a failure, so such a
 * class becomes an all-failure group (skipped, nothing to contrast) and the failures in it are lost to the trees.
 */
export interface LabelCoverage {
  /** Classes at least one sample is labelled with. */
  labelledClasses: number;
  /** The model's output space (classes of the run). */
  outputClasses: number;
  /** Samples predicted as a class no sample is labelled with (every one of them a failure). */
  predictionsOutsideLabels: number;
  /** Distinct such predicted classes: the all-failure groups grouping by prediction would make. */
  predictedClassesOutsideLabels: number;
  /**
   * True when the labels cover at most half of the output space and some prediction falls outside them (e.g. 10
   * labelled ImageNet classes under a 1000-class model): grouping by prediction is then degenerate.
   */
  partial: boolean;
}

export function labelCoverage(
  samples: Sample[],
  predictions: Prediction[],
  classes: ClassInfo[],
): LabelCoverage {
  const labelled = new Set<number>();
  for (const s of samples) labelled.add(s.label);
  let outside = 0;
  const outsideClasses = new Set<number>();
  for (let i = 0; i < samples.length; i++) {
    const p = predictions[i].prediction;
    if (!labelled.has(p)) {
      outside++;
      outsideClasses.add(p);
    }
  }
  return {
    labelledClasses: labelled.size,
    outputClasses: classes.length,
    predictionsOutsideLabels: outside,
    predictedClassesOutsideLabels: outsideClasses.size,
    partial: 2 * labelled.size <= classes.length && outside > 0,
  };
}

/** What `--group-by` asked for: 'auto' (the default) groups by prediction unless the label space is partial. */
export type GroupByRequest = GroupBy | 'auto';

export interface GroupingChoice {
  requested: GroupByRequest;
  chosen: GroupBy;
  coverage: LabelCoverage;
  /** Why label grouping was chosen automatically, or why an explicit prediction grouping is degenerate. */
  note?: string;
}

/**
 * Resolves `--group-by`: 'auto' picks label grouping when the labels cover only part of the output space, and
 * prediction grouping otherwise; an explicit choice is kept, with a note when it is the degenerate one.
 */
export function chooseGrouping(requested: GroupByRequest, coverage: LabelCoverage): GroupingChoice {
  const c = coverage;
  const why =
    `the dataset's labels cover ${c.labelledClasses} of the model's ${c.outputClasses} classes and ` +
    `${c.predictionsOutsideLabels} predictions fall on ${c.predictedClassesOutsideLabels} unlabelled classes, ` +
    `so grouping by prediction would make ${c.predictedClassesOutsideLabels} all-failure groups that cannot be analysed`;
  if (requested === 'auto') {
    if (!c.partial) return { requested, chosen: 'prediction', coverage };
    return {
      requested,
      chosen: 'label',
      coverage,
      note: `grouped by label: ${why} (--group-by prediction overrides)`,
    };
  }
  if (requested === 'prediction' && c.partial) {
    return {
      requested,
      chosen: 'prediction',
      coverage,
      note: `grouped by prediction as asked, but ${why}; --group-by label (or auto) analyses the labelled classes`,
    };
  }
  return { requested, chosen: requested, coverage };
}

/** Non-empty groups in class-index order, optionally only the given classes. */
export function buildGroups(
  samples: Sample[],
  predictions: Prediction[],
  classes: ClassInfo[],
  groupBy: GroupBy,
  only?: number[],
): Group[] {
  const members: number[][] = classes.map(() => []);
  for (let i = 0; i < samples.length; i++) {
    const c = groupBy === 'prediction' ? predictions[i].prediction : samples[i].label;
    if (!Number.isInteger(c) || c < 0 || c >= classes.length) {
      throw new FaultlineError(
        `sample ${i} ("${samples[i].id}") has ${groupBy} ${c}, which is not a class index in [0, ${classes.length})`,
      );
    }
    members[c].push(i);
  }
  const wanted = only ? new Set(only) : null;
  const groups: Group[] = [];
  for (let c = 0; c < classes.length; c++) {
    if (members[c].length === 0 || (wanted && !wanted.has(c))) continue;
    groups.push({
      key: groupKey(groupBy, c),
      classIndex: c,
      className: classes[c].name,
      rows: Int32Array.from(members[c]),
    });
  }
  return groups;
}

/** Resolves "--classes" entries (indices, names or wnids) to class indices; unknown names are an error. */
export function resolveClasses(entries: string[], classes: ClassInfo[]): number[] {
  const byName = new Map<string, number>();
  for (const c of classes) {
    byName.set(normaliseClassName(c.name), c.index);
    if (c.wnid) byName.set(c.wnid.toLowerCase(), c.index);
  }
  const unknown: string[] = [];
  const out: number[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const asIndex = Number(entry);
    if (/^\d+$/.test(entry) && asIndex < classes.length) out.push(asIndex);
    else {
      const found = byName.get(normaliseClassName(entry)) ?? byName.get(entry.toLowerCase());
      if (found === undefined) unknown.push(entry);
      else out.push(found);
    }
  }
  if (unknown.length > 0) {
    throw new FaultlineError(`unknown classes: ${unknown.map((u) => `"${u}"`).join(', ')}`, {
      hint: 'give class indices, names as in classes.json (spaces and underscores are interchangeable) or wnids',
    });
  }
  return [...new Set(out)].sort((a, b) => a - b);
}
