/**
 * Scoring discovered failure modes against the planted slices (the ground truth of the demo).
 *
 * For planted mode m of class c: P = samples of class c inside the slice, PF = the inspected model's failures
 * in P. For a discovered mode d of the group "label c" with members M (all data, fit + held-out):
 *   precision(d, m) = |M ∩ P| / |M|     how much of the mode is the planted slice
 *   recall(d, m)    = |M ∩ PF| / |PF|   how many of the slice's failures the mode catches
 * The best match is the mode of highest F1 among the group's top-K (by importance rank); m is recovered when
 * that mode has precision >= 0.6 and recall >= 0.5. Pure functions over plain arrays; see docs/demo.md.
 */
import type { DiscoveryResult, FailureMode } from '../discover/schema.js';
import type { PlantedMode } from './planted.js';

export const RECOVERY = { precision: 0.6, recall: 0.5, topK: 3 } as const;

/** One row per sample of the run, in run order. */
export interface SampleTruth {
  id: string;
  label: number;
  failed: boolean;
  /** Scene attributes as strings (attributes.csv row). */
  attributes: Record<string, string>;
}

export interface ModeMatch {
  planted: string;
  kind: string;
  cls: string;
  /** |P|, |PF| and the slice's error rate next to the rest of the class. */
  sliceSize: number;
  sliceFailures: number;
  sliceErrorRate: number;
  restErrorRate: number;
  /** The group the slice lives in, and why it has no modes when it has none. */
  group?: string;
  groupNote?: string;
  best?: {
    id: string;
    rank: number;
    rule: string;
    size: number;
    precision: number;
    recall: number;
    f1: number;
  };
  recovered: boolean;
}

export function sliceMembership(truth: SampleTruth[], mode: PlantedMode): boolean[] {
  return truth.map((t) =>
    mode.inSlice({
      cls: t.attributes.cls as PlantedMode['cls'],
      background: t.attributes.background as never,
      colour: t.attributes.colour as never,
      size: t.attributes.size as never,
      occluded: t.attributes.occluded === '1',
      pattern: t.attributes.pattern as never,
      lighting: t.attributes.lighting as never,
    }),
  );
}

export function scoreMode(
  members: readonly string[],
  inSlice: ReadonlySet<string>,
  sliceFailures: ReadonlySet<string>,
): { precision: number; recall: number; f1: number } {
  let inP = 0;
  let inPF = 0;
  for (const id of members) {
    if (inSlice.has(id)) inP++;
    if (sliceFailures.has(id)) inPF++;
  }
  const precision = members.length ? inP / members.length : 0;
  const recall = sliceFailures.size ? inPF / sliceFailures.size : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Matches every planted mode to the discovered modes of its label group (discovery must group by label). */
export function matchPlanted(
  result: DiscoveryResult,
  truth: SampleTruth[],
  planted: readonly PlantedMode[],
  classIndex: (name: string) => number,
  topK: number = RECOVERY.topK,
): ModeMatch[] {
  if (result.options.groupBy !== 'label') {
    throw new Error('planted-mode matching needs discovery grouped by label (groupBy "label")');
  }
  return planted.map((m) => {
    const member = sliceMembership(truth, m);
    const cls = classIndex(m.cls);
    const inSlice = new Set<string>();
    const sliceFailures = new Set<string>();
    let rest = 0;
    let restFailed = 0;
    truth.forEach((t, i) => {
      if (t.label !== cls) return;
      if (member[i]) {
        inSlice.add(t.id);
        if (t.failed) sliceFailures.add(t.id);
      } else {
        rest++;
        if (t.failed) restFailed++;
      }
    });
    const match: ModeMatch = {
      planted: m.id,
      kind: m.kind,
      cls: m.cls,
      sliceSize: inSlice.size,
      sliceFailures: sliceFailures.size,
      sliceErrorRate: inSlice.size ? sliceFailures.size / inSlice.size : 0,
      restErrorRate: rest ? restFailed / rest : 0,
      recovered: false,
    };
    const group = result.groups.find((g) => g.classIndex === cls);
    if (!group) {
      match.groupNote = 'no group for this class';
      return match;
    }
    match.group = group.key;
    if (group.modes.length === 0) match.groupNote = group.skippedReason ?? 'no failure leaf';
    const candidates: FailureMode[] = group.modes.filter((d) => d.rank <= topK);
    for (const d of candidates) {
      const s = scoreMode(d.members, inSlice, sliceFailures);
      if (!match.best || s.f1 > match.best.f1) {
        match.best = { id: d.id, rank: d.rank, rule: d.rule, size: d.members.length, ...s };
      }
      if (s.precision >= RECOVERY.precision && s.recall >= RECOVERY.recall) match.recovered = true;
    }
    return match;
  });
}

/**
 * Which attribute values are over-represented in a set of samples compared with its group: the words a person
 * would use for the mode ("background=grass: 95% of the mode vs 21% of the class"). Best lift first.
 */
export function describeMembers(
  members: ReadonlySet<string>,
  group: SampleTruth[],
  keys: readonly string[] = [
    'background',
    'colour',
    'pattern',
    'size',
    'lighting',
    'occluded',
    'blurred',
    'noisy',
  ],
  minShare = 0.5,
): { attribute: string; value: string; share: number; base: number }[] {
  const inMode = group.filter((t) => members.has(t.id));
  if (inMode.length === 0) return [];
  const out: { attribute: string; value: string; share: number; base: number }[] = [];
  for (const key of keys) {
    const values = new Set(group.map((t) => t.attributes[key]));
    for (const value of values) {
      if (value === undefined) continue;
      const share = inMode.filter((t) => t.attributes[key] === value).length / inMode.length;
      const base = group.filter((t) => t.attributes[key] === value).length / group.length;
      if (share >= minShare && share > base + 0.15) out.push({ attribute: key, value, share, base });
    }
  }
  return out.sort((a, b) => b.share / b.base - a.share / a.base);
}
