/**
 * The original Barlow tool's metadata.csv: `Filenames,Predictions,Labels`, with ImageNet class names written as
 * full synonym lists ("bucket, pail", quoted because of the comma). The label space defaults to the 1000 ImageNet
 * classes; names are matched against the synonym lists first, then against the short names ("water jug").
 */
import { dirname, join, resolve } from 'node:path';
import type { ClassInfo, Dataset } from '../shared/types.js';
import { fileError } from '../shared/errors.js';
import { parseCsv, readText } from './csv.js';
import { isDirectory, isFile } from './files.js';
import { imagenetClasses } from './imagenet-classes.js';
import { datasetFromRows } from './rows.js';

export const BARLOW_COLUMNS = { path: 'Filenames', label: 'Labels', prediction: 'Predictions' } as const;

export function isBarlowHeader(header: readonly string[] | undefined): boolean {
  return (
    header !== undefined &&
    Object.values(BARLOW_COLUMNS).every((name) => header.some((h) => h.trim() === name))
  );
}

export interface BarlowOptions {
  classes?: ClassInfo[];
  root?: string;
  split?: string;
}

export function readBarlowMetadata(source: string, opts: BarlowOptions = {}): Dataset {
  const file = resolve(source);
  const table = parseCsv(file, readText(file));
  if (!isBarlowHeader(table.header)) {
    throw fileError(
      file,
      `expected the header Filenames,Predictions,Labels; found: ${table.header.join(',')}`,
      1,
    );
  }
  const at = (name: string): number => table.header.findIndex((h) => h.trim() === name);
  const [pathAt, labelAt, predictionAt] = [
    BARLOW_COLUMNS.path,
    BARLOW_COLUMNS.label,
    BARLOW_COLUMNS.prediction,
  ].map(at);
  const rows = table.records.map(({ line, values }) => ({
    line,
    path: values[pathAt],
    label: values[labelAt],
    prediction: values[predictionAt],
    split: '',
  }));
  return datasetFromRows(rows, {
    kind: 'barlow-metadata',
    file,
    root: resolve(opts.root ?? imageRoot(dirname(file), rows[0]?.path)),
    columns: BARLOW_COLUMNS,
    classes: opts.classes,
    defaultClasses: imagenetClasses,
    split: opts.split,
    preferFullNames: true,
  });
}

/**
 * The original tool keeps the images in `images/` beside metadata.csv while Filenames holds bare names ("0.jpg"):
 * use `images/` when the first file is there and not beside the CSV.
 */
function imageRoot(dir: string, firstPath: string | undefined): string {
  const images = join(dir, 'images');
  if (firstPath && !isFile(join(dir, firstPath)) && isDirectory(images) && isFile(join(images, firstPath))) {
    return images;
  }
  return dir;
}
