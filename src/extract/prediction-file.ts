/**
 * Predictions from a file instead of a model: CSV with a sample column (`id`, `path` or `Filenames`) and a
 * prediction column (`prediction` or `Predictions`) holding class names or indices.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { ClassInfo, Sample } from '../shared/types.js';
import { fileError } from '../shared/errors.js';
import { readCsvRecords } from '../run/tables.js';
import { normaliseClassName } from '../ingest/index.js';

const SAMPLE_COLUMNS = ['id', 'path', 'filename', 'filenames', 'file'];
const PREDICTION_COLUMNS = ['prediction', 'predictions', 'pred', 'predicted'];

export function readPredictionFile(
  file: string,
  samples: Sample[],
  classes: ClassInfo[],
  root: string,
): Map<string, number> {
  const records = readCsvRecords(file);
  if (records.length === 0) throw fileError(file, 'no rows');
  const columns = Object.keys(records[0]);
  const find = (names: string[]) => columns.find((c) => names.includes(c.toLowerCase()));
  const sampleCol = find(SAMPLE_COLUMNS);
  const predCol = find(PREDICTION_COLUMNS);
  if (!sampleCol || !predCol) {
    throw fileError(
      file,
      `needs a sample column (${SAMPLE_COLUMNS.join('/')}) and a prediction column (${PREDICTION_COLUMNS.join('/')}); ` +
        `found: ${columns.join(', ')}`,
    );
  }
  const byName = new Map<string, number>();
  for (const c of classes) {
    byName.set(normaliseClassName(c.name), c.index);
    if (c.wnid) byName.set(c.wnid.toLowerCase(), c.index);
  }
  const ids = new Set(samples.map((s) => s.id));
  const out = new Map<string, number>();
  records.forEach((r, i) => {
    const row = i + 2;
    const raw = r[sampleCol];
    const abs = isAbsolute(raw) ? raw : resolve(root, raw);
    const id = ids.has(raw) ? raw : relative(root, abs).split('\\').join('/');
    const value = r[predCol];
    let prediction: number | undefined;
    if (/^\d+$/.test(value)) prediction = Number(value);
    else prediction = byName.get(normaliseClassName(value)) ?? byName.get(value.toLowerCase());
    if (prediction === undefined || prediction >= classes.length) {
      throw fileError(file, `prediction "${value}" is not a known class name or index`, row);
    }
    if (ids.has(id)) out.set(id, prediction);
  });
  return out;
}
