/**
 * Manifests: CSV with a header `path,label[,prediction][,split]` (any order, any case, extra columns ignored) or
 * JSONL with one object per line `{"path": ..., "label": ..., "prediction"?: ..., "split"?: ...}`.
 * Labels and predictions are class names (normalised matching), WordNet ids or integer indices.
 */
import { dirname, extname, resolve } from 'node:path';
import type { ClassInfo, Dataset } from '../shared/types.js';
import { fileError } from '../shared/errors.js';
import { parseCsv, readText } from './csv.js';
import { datasetFromRows, type TableRow } from './rows.js';

export interface ManifestOptions {
  classes?: ClassInfo[];
  root?: string;
  split?: string;
}

const COLUMNS = { path: 'path', label: 'label', prediction: 'prediction' };

export function isJsonLines(file: string): boolean {
  return ['.jsonl', '.ndjson'].includes(extname(file).toLowerCase());
}

export function readManifest(source: string, opts: ManifestOptions = {}): Dataset {
  const file = resolve(source);
  const text = readText(file);
  const rows = isJsonLines(file) ? parseJsonLines(file, text) : parseManifestCsv(file, text);
  return datasetFromRows(rows, {
    kind: 'manifest',
    file,
    root: resolve(opts.root ?? dirname(file)),
    columns: COLUMNS,
    classes: opts.classes,
    defaultClasses: 'own',
    split: opts.split,
  });
}

function parseManifestCsv(file: string, text: string): TableRow[] {
  const table = parseCsv(file, text);
  const position = (name: string): number => table.header.findIndex((h) => h.toLowerCase() === name);
  const [pathAt, labelAt, predictionAt, splitAt] = ['path', 'label', 'prediction', 'split'].map(position);
  if (pathAt < 0 || labelAt < 0) {
    throw fileError(
      file,
      `the header must name the columns path and label (optionally prediction, split); found: ${table.header.join(',')}`,
      1,
    );
  }
  return table.records.map(({ line, values }) => ({
    line,
    path: values[pathAt],
    label: values[labelAt],
    ...(predictionAt >= 0 ? { prediction: values[predictionAt] } : {}),
    split: splitAt >= 0 ? values[splitAt].trim() : '',
  }));
}

function parseJsonLines(file: string, text: string): TableRow[] {
  const rows: TableRow[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, lineIndex) => {
      const line = lineIndex + 1;
      if (raw.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw fileError(file, `not valid JSON (${(error as Error).message})`, line);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw fileError(file, 'expected an object {"path": ..., "label": ...}', line);
      }
      const record = value as Record<string, unknown>;
      const isLabel = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';
      if (typeof record.path !== 'string') throw fileError(file, '"path" must be a string', line);
      if (!isLabel(record.label)) throw fileError(file, '"label" must be a class name or index', line);
      if (record.prediction !== undefined && !isLabel(record.prediction)) {
        throw fileError(file, '"prediction" must be a class name or index', line);
      }
      if (record.split !== undefined && typeof record.split !== 'string') {
        throw fileError(file, '"split" must be a string', line);
      }
      rows.push({
        line,
        path: record.path,
        label: record.label,
        ...(record.prediction !== undefined ? { prediction: record.prediction } : {}),
        split: record.split ?? '',
      });
    });
  return rows;
}
