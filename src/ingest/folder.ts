/**
 * Image-folder datasets: `root/<class>/*.{jpg,jpeg,png,webp}`, optionally split as `root/<split>/<class>/...`.
 * The class is the folder name; the ImageNet reader (imagenet.ts) reuses the scan with WordNet-id folders.
 */
import { join, resolve } from 'node:path';
import type { ClassInfo, Dataset, Sample } from '../shared/types.js';
import { FaultlineError, fileError } from '../shared/errors.js';
import {
  compareIds,
  isDirectoryEntry,
  isFileEntry,
  isImageFileName,
  listDirectory,
  sampleId,
  sortSamples,
} from './files.js';
import { labelSpaceFor } from './label-space.js';

/** Top-level folder names that mark a split layout (`root/train/<class>`, `root/val/<class>`). */
export const SPLIT_NAMES: ReadonlySet<string> = new Set(['train', 'val', 'valid', 'validation', 'test']);

export interface ClassFolder {
  /** '' when the layout has no splits. */
  split: string;
  /** The folder name. */
  name: string;
  dir: string;
}

export interface FolderScan {
  root: string;
  /** Split names present, [] without splits. */
  splits: string[];
  /** Class folders of the selected split(s), sorted by split then name. */
  folders: ClassFolder[];
  /** Class folder names over all splits (sorted, unique): the label space when none is given. */
  allClassNames: string[];
  warnings: string[];
}

/** The split folders of `root`, or [] when its subfolders are not all split names. */
export function splitFolders(root: string): string[] {
  const dirs = listDirectory(root)
    .filter((e) => isDirectoryEntry(root, e))
    .map((e) => e.name);
  return dirs.length > 0 && dirs.every((d) => SPLIT_NAMES.has(d)) ? dirs : [];
}

export function scanClassFolders(source: string, split?: string): FolderScan {
  const root = resolve(source);
  const splits = splitFolders(root);
  if (split !== undefined && split !== '' && !splits.includes(split)) {
    const present = splits.length > 0 ? `its splits are ${splits.join(', ')}` : 'it has no split folders';
    throw new FaultlineError(`${root}: split "${split}" not found (${present})`, { file: root });
  }
  const parents =
    splits.length === 0 ? [{ split: '', dir: root }] : splits.map((s) => ({ split: s, dir: join(root, s) }));
  const all: ClassFolder[] = [];
  for (const parent of parents) {
    for (const entry of listDirectory(parent.dir)) {
      if (isDirectoryEntry(parent.dir, entry)) {
        all.push({ split: parent.split, name: entry.name, dir: join(parent.dir, entry.name) });
      }
    }
  }
  const selected = split ? all.filter((f) => f.split === split) : all;
  if (selected.length === 0) {
    throw fileError(root, 'no class folders found (expected <class>/<image> or <split>/<class>/<image>)');
  }
  return {
    root,
    splits,
    folders: selected,
    allClassNames: [...new Set(all.map((f) => f.name))].sort(compareIds),
    warnings: [],
  };
}

/** Images of each class folder as samples; `labelOf` gives the class of a folder. */
export function folderSamples(scan: FolderScan, labelOf: (folder: ClassFolder) => ClassInfo): Sample[] {
  const samples: Sample[] = [];
  let ignoredFiles = 0;
  let ignoredDirs = 0;
  const emptyFolders: string[] = [];
  for (const folder of scan.folders) {
    const info = labelOf(folder);
    let count = 0;
    for (const entry of listDirectory(folder.dir)) {
      if (isFileEntry(folder.dir, entry) && isImageFileName(entry.name)) {
        const path = join(folder.dir, entry.name);
        samples.push({
          id: sampleId(scan.root, path),
          path,
          label: info.index,
          labelName: info.name,
          split: folder.split,
        });
        count++;
      } else if (isDirectoryEntry(folder.dir, entry)) ignoredDirs++;
      else ignoredFiles++;
    }
    if (count === 0) emptyFolders.push(sampleId(scan.root, folder.dir));
  }
  if (ignoredFiles > 0) {
    scan.warnings.push(
      `ignored ${ignoredFiles} file(s) in class folders that are not .jpg/.jpeg/.png/.webp images`,
    );
  }
  if (ignoredDirs > 0) scan.warnings.push(`ignored ${ignoredDirs} folder(s) nested inside class folders`);
  if (emptyFolders.length > 0)
    scan.warnings.push(`class folder(s) without images: ${emptyFolders.join(', ')}`);
  if (samples.length === 0)
    throw fileError(scan.root, 'the dataset has no images (.jpg, .jpeg, .png, .webp)');
  return sortSamples(samples);
}

export interface FolderOptions {
  classes?: ClassInfo[];
  split?: string;
}

/** A class-per-folder dataset. Without `classes`, the sorted folder names (over all splits) are the label space. */
export function readImageFolder(source: string, opts: FolderOptions = {}): Dataset {
  const scan = scanClassFolders(source, opts.split);
  let classes: ClassInfo[];
  let labelOf: (folder: ClassFolder) => ClassInfo;
  if (opts.classes) {
    classes = opts.classes;
    const space = labelSpaceFor(classes);
    labelOf = (folder) => space.info(space.resolve(folder.name, { file: folder.dir, column: 'folder name' }));
  } else {
    classes = scan.allClassNames.map((name, index) => ({ index, name }));
    const byName = new Map(classes.map((c) => [c.name, c]));
    labelOf = (folder) => byName.get(folder.name) as ClassInfo;
  }
  const samples = folderSamples(scan, labelOf);
  return {
    kind: 'folder',
    root: scan.root,
    source: resolve(source),
    classes,
    samples,
    warnings: scan.warnings,
  };
}
