/** Decides which reader a dataset path needs when the user did not say. */
import { statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { DatasetKind } from '../shared/types.js';
import { FaultlineError } from '../shared/errors.js';
import { isBarlowHeader } from './barlow.js';
import { csvHeader } from './csv.js';
import { isFile, subdirectories } from './files.js';
import { splitFolders } from './folder.js';
import { looksLikeImagenet } from './imagenet.js';
import { isJsonLines } from './manifest.js';

export interface Detected {
  kind: DatasetKind;
  /** The path the reader should open (metadata.csv inside a directory, or the source itself). */
  path: string;
}

const BARLOW_FILE = 'metadata.csv';

/**
 * - a CSV whose header is Filenames,Predictions,Labels (or a directory holding such a metadata.csv) -> barlow-metadata
 * - another .csv, or .jsonl / .ndjson -> manifest
 * - a directory whose class folders (inside train/ val/ ... when present) are all WordNet ids -> imagenet
 * - any other directory -> folder
 */
export function detectKind(source: string): Detected {
  const path = resolve(source);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new FaultlineError(`${path}: dataset not found`, { file: path });
  }
  if (!isDir) {
    if (isBarlowHeader(csvHeader(path))) return { kind: 'barlow-metadata', path };
    if (extname(path).toLowerCase() === '.csv' || isJsonLines(path)) return { kind: 'manifest', path };
    throw new FaultlineError(
      `${path}: not a dataset (expected a directory of class folders, a .csv / .jsonl manifest or a metadata.csv)`,
      { file: path },
    );
  }
  const metadata = join(path, BARLOW_FILE);
  if (isFile(metadata) && isBarlowHeader(csvHeader(metadata)))
    return { kind: 'barlow-metadata', path: metadata };
  const splits = splitFolders(path);
  const classFolders =
    splits.length > 0 ? splits.flatMap((s) => subdirectories(join(path, s))) : subdirectories(path);
  return { kind: looksLikeImagenet(classFolders) ? 'imagenet' : 'folder', path };
}

/** For a kind the user forced: the file to open when they gave the directory holding it. */
export function pathForKind(source: string, kind: DatasetKind): string {
  const path = resolve(source);
  if (kind === 'barlow-metadata' && !isFile(path)) return join(path, BARLOW_FILE);
  return path;
}
