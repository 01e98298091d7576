/**
 * Gold tasks from earlier crowd results (pure): pairs whose answers are unanimous (>= minAnswers answers, all the
 * same label) have a trustworthy known answer. The selection is balanced across labels (round robin main /
 * separate / background, each in file order) so that answering "main object" every time cannot pass quality
 * control; with 86% main answers in real data an unbalanced gold set would let lazy annotators through.
 */
import type { MturkRow } from './mturk-csv.js';
import { LABELS, type Label } from './types.js';

export interface GoldPair {
  classIndex: number;
  wnid: string | null;
  featureIndex: number;
  featureRank: number;
  answer: Label;
}

export function selectGoldPairs(rows: readonly MturkRow[], count: number, minAnswers = 3): GoldPair[] {
  const pairs = new Map<string, { first: MturkRow; labels: Set<Label>; n: number }>();
  for (const row of rows) {
    const key = `${row.classIndex}:${row.featureIndex}`;
    const entry = pairs.get(key);
    if (entry) {
      entry.labels.add(row.main);
      entry.n++;
    } else {
      pairs.set(key, { first: row, labels: new Set([row.main]), n: 1 });
    }
  }
  const byLabel = new Map<Label, GoldPair[]>(LABELS.map((l) => [l, []]));
  for (const { first, labels, n } of pairs.values()) {
    if (n < minAnswers || labels.size !== 1) continue;
    byLabel.get(first.main)!.push({
      classIndex: first.classIndex,
      wnid: first.wnid,
      featureIndex: first.featureIndex,
      featureRank: first.featureRank,
      answer: first.main,
    });
  }
  const out: GoldPair[] = [];
  const cursor = new Map<Label, number>(LABELS.map((l) => [l, 0]));
  while (out.length < count) {
    let added = false;
    for (const label of LABELS) {
      const list = byLabel.get(label)!;
      const i = cursor.get(label)!;
      if (i < list.length && out.length < count) {
        out.push(list[i]);
        cursor.set(label, i + 1);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}
