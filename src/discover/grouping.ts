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
