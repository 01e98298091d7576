/** Reading and writing the CSV/JSON tables of a run directory. */
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { resolve, isAbsolute } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { ClassInfo, Prediction, Sample, SkippedSample } from '../shared/types.js';
import { fileError } from '../shared/errors.js';

/** Write via a temp file + rename, so a crash never leaves a half-written table. */
export function writeFileAtomic(file: string, content: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export function readJson<T>(file: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw fileError(file, 'file not found or unreadable');
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw fileError(file, `invalid JSON (${(e as Error).message})`);
  }
}

export function readCsvRecords(file: string): Record<string, string>[] {
  if (!existsSync(file)) throw fileError(file, 'file not found');
  try {
    return parse(readFileSync(file), { columns: true, skip_empty_lines: true, bom: true, trim: true });
  } catch (e) {
    throw fileError(file, `invalid CSV (${(e as Error).message})`);
  }
}

/** samples.csv: paths are stored relative to the dataset root so a run can move with its data. */
export function writeSamples(file: string, samples: Sample[], root: string): void {
  const rows = samples.map((s, i) => [i, s.id, relativeTo(root, s.path), s.label, s.labelName, s.split]);
  writeFileAtomic(
    file,
    stringify(rows, { header: true, columns: ['row', 'id', 'path', 'label', 'label_name', 'split'] }),
  );
}

export function readSamples(file: string, root: string): Sample[] {
  return readCsvRecords(file).map((r, i) => {
    const label = Number(r.label);
    if (!Number.isInteger(label)) throw fileError(file, `label "${r.label}" is not an integer`, i + 2);
    return {
      id: r.id,
      path: isAbsolute(r.path) ? r.path : resolve(root, r.path),
      label,
      labelName: r.label_name,
      split: r.split ?? '',
    };
  });
}

export function writePredictions(
  file: string,
  ids: string[],
  preds: Prediction[],
  classes: ClassInfo[],
): void {
  const rows = preds.map((p, i) => [
    ids[i],
    p.prediction,
    classes[p.prediction]?.name ?? '',
    Number.isNaN(p.probability) ? '' : p.probability.toFixed(6),
    p.top5.join(' '),
  ]);
  writeFileAtomic(
    file,
    stringify(rows, {
      header: true,
      columns: ['id', 'prediction', 'prediction_name', 'probability', 'top5'],
    }),
  );
}

export function readPredictions(file: string, expectedIds: string[], classCount: number): Prediction[] {
  const records = readCsvRecords(file);
  if (records.length !== expectedIds.length) {
    throw fileError(file, `has ${records.length} rows but the sample table has ${expectedIds.length}`);
  }
  return records.map((r, i) => {
    if (r.id !== expectedIds[i])
      throw fileError(file, `row id "${r.id}" != sample "${expectedIds[i]}"`, i + 2);
    const prediction = Number(r.prediction);
    if (!Number.isInteger(prediction) || prediction < 0 || prediction >= classCount) {
      throw fileError(file, `prediction "${r.prediction}" is not a class index in [0, ${classCount})`, i + 2);
    }
    return {
      prediction,
      probability: r.probability === '' || r.probability === undefined ? NaN : Number(r.probability),
      top5: r.top5 ? r.top5.split(' ').map(Number) : [],
    };
  });
}

export function writeSkipped(file: string, skipped: SkippedSample[], root: string): void {
  const rows = skipped.map((s) => [s.id, relativeTo(root, s.path), s.reason]);
  writeFileAtomic(file, stringify(rows, { header: true, columns: ['id', 'path', 'reason'] }));
}

export function readSkipped(file: string, root: string): SkippedSample[] {
  if (!existsSync(file)) return [];
  return readCsvRecords(file).map((r) => ({ id: r.id, path: resolve(root, r.path), reason: r.reason }));
}

function relativeTo(root: string, path: string): string {
  const abs = resolve(path);
  const base = resolve(root);
  return abs.startsWith(base + '/') ? abs.slice(base.length + 1) : abs;
}
