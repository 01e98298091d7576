/**
 * ImageNet layout: `root/[<split>/]<wnid>/*.JPEG`. Folder names are WordNet ids, mapped to the standard 1000-class
 * indices (bundled table) or to a user class map that has wnids.
 */
import { resolve } from 'node:path';
import type { ClassInfo, Dataset } from '../shared/types.js';
import { FaultlineError } from '../shared/errors.js';
import { folderSamples, scanClassFolders, type FolderOptions } from './folder.js';
import { imagenetClassRecords, imagenetClasses, WNID_PATTERN } from './imagenet-classes.js';
import { labelSpaceFor } from './label-space.js';

export function readImagenetFolder(source: string, opts: FolderOptions = {}): Dataset {
  const scan = scanClassFolders(source, opts.split);
  const given = opts.classes !== undefined;
  // A copy, so that wnids learned from the folder names below never leak into the caller's array.
  const classes: ClassInfo[] = (opts.classes ?? imagenetClasses()).map((c) => ({ ...c }));
  const space = labelSpaceFor(classes);
  if (!space.hasWnids) {
    throw new FaultlineError(
      `${scan.root}: the class map has no WordNet ids, so the wnid folders cannot be mapped to classes`,
      {
        file: scan.root,
        hint: 'pass a class map with wnids (imagenet_class_index.json or LOC_synset_mapping.txt)',
      },
    );
  }
  const fromCandidates = new Set<string>();
  const samples = folderSamples(scan, (folder) => {
    if (!WNID_PATTERN.test(folder.name)) {
      throw new FaultlineError(
        `${folder.dir}: folder name "${folder.name}" is not a WordNet id (n + 8 digits); ` +
          'every class folder of an ImageNet layout must be one (use --kind folder for named class folders)',
        { file: folder.dir },
      );
    }
    const index = space.resolve(folder.name, { file: folder.dir, column: 'folder name' });
    const info = classes[index];
    // The bundled table does not know this class's wnid exactly (WordNet-identical synsets): the folder tells it.
    if (info.wnid === undefined) {
      info.wnid = folder.name;
      fromCandidates.add(`${folder.name} -> ${index} ${info.name}`);
    }
    return info;
  });
  const warnings = scan.warnings;
  if (!given && fromCandidates.size > 0) {
    const ambiguous = imagenetClassRecords().filter((r) => r.wnidCandidates).length;
    warnings.push(
      `${fromCandidates.size} folder(s) matched by name among WordNet synsets with identical names ` +
        `(${[...fromCandidates].slice(0, 5).join('; ')}${fromCandidates.size > 5 ? '; ...' : ''}): ` +
        `the bundled class table cannot tell these ${ambiguous} classes' wnids from their WordNet twins; ` +
        'pass --class-map imagenet_class_index.json to check the wnids exactly',
    );
  }
  return { kind: 'imagenet', root: scan.root, source: resolve(source), classes, samples, warnings };
}

/** True when `dir`'s class folders (inside split folders, if any) are all WordNet ids. */
export function looksLikeImagenet(folderNames: readonly string[]): boolean {
  return folderNames.length > 0 && folderNames.every((name) => WNID_PATTERN.test(name));
}
