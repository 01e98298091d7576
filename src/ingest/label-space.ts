/**
 * Maps the labels written in a dataset (names in any spelling, full synonym lists, WordNet ids, indices) to class
 * indices of the label space the run is analysed in, and fails loudly on anything it cannot map.
 */
import type { ClassInfo } from '../shared/types.js';
import { fileError } from '../shared/errors.js';
import { imagenetClassRecords, WNID_PATTERN } from './imagenet-classes.js';
import { nearMatches, normaliseClassName } from './names.js';

/** Where a label was read, for error messages. */
export interface LabelSource {
  file: string;
  /** Line number in the file (1-based), when the label came from a row. */
  row?: number;
  /** What held the label, e.g. 'column "label"' or 'folder name'. */
  column?: string;
}

export interface LabelSpaceOptions {
  /**
   * Prefer an exact full-synonym-list match ("maillot" = the class whose synonyms are just "maillot") over a
   * first-name match. The original Barlow tool writes names this way.
   */
  preferFullNames?: boolean;
}

const DIGITS = /^\d+$/;

export class LabelSpace {
  private readonly byIndex = new Map<number, ClassInfo>();
  private readonly byName = new Map<string, Set<number>>();
  private readonly byFullName = new Map<string, Set<number>>();
  private readonly bySynonym = new Map<string, Set<number>>();
  private readonly byWnid = new Map<string, number>();
  /** Synonym lists as written ("bucket, pail"), for near-match suggestions. */
  private readonly fullNames: string[] = [];

  /**
   * @param classes the label space.
   * @param synonyms optional full synonym lists per class index (e.g. ImageNet's "bucket, pail").
   * @param extraWnids optional further wnids that denote a class (ImageNet's WordNet-identical candidates).
   */
  constructor(
    readonly classes: readonly ClassInfo[],
    synonyms?: ReadonlyMap<number, readonly string[]>,
    extraWnids?: ReadonlyMap<string, number>,
    private readonly options: LabelSpaceOptions = {},
  ) {
    for (const info of classes) {
      this.byIndex.set(info.index, info);
      add(this.byName, normaliseClassName(info.name), info.index);
      if (info.wnid) this.byWnid.set(info.wnid, info.index);
    }
    for (const [index, names] of synonyms ?? []) {
      if (names.length === 0) continue;
      add(this.byFullName, normaliseClassName(names.join(', ')), index);
      if (names.length > 1) this.fullNames.push(names.join(', '));
      for (const name of names) add(this.bySynonym, normaliseClassName(name), index);
    }
    for (const [wnid, index] of extraWnids ?? []) if (!this.byWnid.has(wnid)) this.byWnid.set(wnid, index);
  }

  /** True when the label space knows WordNet ids. */
  get hasWnids(): boolean {
    return this.byWnid.size > 0;
  }

  info(index: number): ClassInfo {
    const found = this.byIndex.get(index);
    if (!found) throw new Error(`class index ${index} is not in the label space`);
    return found;
  }

  /** The class index a WordNet id denotes, or undefined. */
  wnidIndex(wnid: string): number | undefined {
    return this.byWnid.get(wnid);
  }

  /**
   * Index of a label. Numbers and all-digit strings are class indices; "n" + 8 digits is a WordNet id (when the
   * label space has them); anything else is a class name compared after normaliseClassName(): with the class names
   * and full synonym lists ("bucket, pail"), and only when neither matches, with single synonyms ("pail").
   */
  resolve(value: string | number, source: LabelSource): number {
    const text = typeof value === 'number' ? String(value) : value.trim();
    if (typeof value === 'number' || DIGITS.test(text)) {
      const index = Number(text);
      if (Number.isInteger(index) && this.byIndex.has(index)) return index;
      throw this.error(
        source,
        `class index ${text} is out of range (the label space has ${this.describeRange()})`,
      );
    }
    if (text === '') throw this.error(source, 'empty label');
    if (WNID_PATTERN.test(text) && this.hasWnids) {
      const index = this.byWnid.get(text);
      if (index !== undefined) return index;
      throw this.error(
        source,
        `unknown WordNet id "${text}" (not one of the ${this.classes.length} classes)`,
      );
    }
    const key = normaliseClassName(text);
    const full = this.byFullName.get(key) ?? new Set<number>();
    if (this.options.preferFullNames && full.size === 1) return [...full][0];
    let matches = new Set([...(this.byName.get(key) ?? []), ...full]);
    // Last resort: one synonym of a list ("pail" for "bucket, pail").
    if (matches.size === 0) matches = this.bySynonym.get(key) ?? matches;
    if (matches.size === 1) return [...matches][0];
    if (matches.size > 1) {
      const listed = [...matches]
        .sort((a, b) => a - b)
        .map((i) => this.describe(i))
        .join(', ');
      throw this.error(
        source,
        `class name "${text}" is ambiguous: it names ${listed}; write the class index or WordNet id instead`,
      );
    }
    const names = [...this.classes.map((c) => c.name), ...this.fullNames];
    const near = nearMatches(text, names);
    const hint = near.length > 0 ? `; near matches: ${near.map((n) => `"${n}"`).join(', ')}` : '';
    throw this.error(
      source,
      `unknown class "${text}" (not one of the ${this.classes.length} classes${hint})`,
    );
  }

  private describe(index: number): string {
    const info = this.byIndex.get(index);
    return info?.wnid ? `${index} ${info.name} (${info.wnid})` : `${index} ${info?.name ?? ''}`;
  }

  private describeRange(): string {
    const indices = [...this.byIndex.keys()];
    return indices.length === 0 ? 'no classes' : `indices ${Math.min(...indices)}-${Math.max(...indices)}`;
  }

  private error(source: LabelSource, problem: string): Error {
    const column = source.column ? ` in ${source.column}` : '';
    return fileError(source.file, `${problem}${column}`, source.row);
  }
}

function add(map: Map<string, Set<number>>, key: string, index: number): void {
  const set = map.get(key) ?? new Set<number>();
  set.add(index);
  map.set(key, set);
}

/**
 * A label space over `classes`. When they are the ImageNet-1k classes (1000 classes whose names match the bundled
 * table), the bundled synonym lists and wnid candidates are added, so Barlow-style names and wnids resolve too.
 */
export function labelSpaceFor(classes: readonly ClassInfo[], options: LabelSpaceOptions = {}): LabelSpace {
  const records = imagenetClassRecords();
  const isImagenet =
    classes.length === records.length &&
    classes.filter((c) => normaliseClassName(c.name) === normaliseClassName(records[c.index]?.name ?? ''))
      .length >=
      records.length - 10; // user maps rename a few classes, e.g. "crane_bird", "maillot_1"
  if (!isImagenet) return new LabelSpace(classes, undefined, undefined, options);
  const synonyms = new Map(records.map((r) => [r.index, r.synonyms] as const));
  const extraWnids = new Map<string, number>();
  for (const r of records)
    for (const wnid of r.wnidCandidates ?? [r.wnid ?? '']) if (wnid) extraWnids.set(wnid, r.index);
  return new LabelSpace(classes, synonyms, extraWnids, options);
}
