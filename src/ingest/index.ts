/**
 * Dataset ingestion: every supported layout becomes one Dataset (sample table + label space + optional given
 * predictions). See docs/datasets.md for the formats and the decisions on missing files and class names.
 */
import type { ClassInfo, Dataset } from '../shared/types.js';
import { invalidOption } from '../shared/errors.js';
import { readBarlowMetadata } from './barlow.js';
import { detectKind, pathForKind } from './detect.js';
import { readImageFolder } from './folder.js';
import { readImagenetFolder } from './imagenet.js';
import { readManifest } from './manifest.js';

export interface IngestOptions {
  /** Label space to map labels into (e.g. the inspected model's 1000 ImageNet classes). When absent, the dataset's own classes (sorted folder names / names in the manifest) form the label space. */
  classes?: ClassInfo[];
  /** Force a reader instead of auto-detection. */
  kind?: 'folder' | 'imagenet' | 'manifest' | 'barlow-metadata';
  /** For manifests/metadata.csv: directory that relative paths resolve against (default: the manifest's directory). */
  root?: string;
  /** Only this split (e.g. 'val'), when the layout has splits. */
  split?: string;
}

const KINDS = ['folder', 'imagenet', 'manifest', 'barlow-metadata'] as const;

/** Reads a dataset directory or manifest; the kind is auto-detected unless `opts.kind` is given. */
export async function ingestDataset(source: string, opts: IngestOptions = {}): Promise<Dataset> {
  if (opts.kind !== undefined && !KINDS.includes(opts.kind)) {
    throw invalidOption('kind', `one of ${KINDS.join(', ')}`, opts.kind);
  }
  const { kind, path } = opts.kind
    ? { kind: opts.kind, path: pathForKind(source, opts.kind) }
    : detectKind(source);
  const split = opts.split === '' ? undefined : opts.split;
  switch (kind) {
    case 'folder':
      return readImageFolder(path, { classes: opts.classes, split });
    case 'imagenet':
      return readImagenetFolder(path, { classes: opts.classes, split });
    case 'manifest':
      return readManifest(path, { classes: opts.classes, root: opts.root, split });
    case 'barlow-metadata':
      return readBarlowMetadata(path, { classes: opts.classes, root: opts.root, split });
  }
}

export { imagenetClasses, readClassMap } from './imagenet-classes.js';
export { normaliseClassName } from './names.js';
