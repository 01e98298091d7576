/**
 * Turns table rows (manifest CSV / JSONL, Barlow metadata.csv) into a Dataset: resolves paths against the root,
 * maps labels and predictions into the label space, checks ids are unique and lists missing images.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ClassInfo, Dataset, DatasetKind, GivenPrediction, Sample } from '../shared/types.js';
import { fileError, FaultlineError } from '../shared/errors.js';
import { compareIds, isFile, sampleId } from './files.js';
import { labelSpaceFor } from './label-space.js';
import { normaliseClassName } from './names.js';

export interface TableRow {
  /** Line number in the file (1-based), for error messages. */
  line: number;
  path: string;
  label: string | number;
  prediction?: string | number;
  split: string;
}

export interface RowsContext {
  kind: DatasetKind;
  /** The manifest file. */
  file: string;
  /** Directory relative paths resolve against. */
  root: string;
  /** Name of the label / prediction / path columns as the file writes them, for messages. */
  columns: { path: string; label: string; prediction: string };
  classes?: ClassInfo[];
  /** The label space when `classes` is absent: the dataset's own names, or the ImageNet classes. */
  defaultClasses: 'own' | (() => ClassInfo[]);
  split?: string;
  preferFullNames?: boolean;
}

const MAX_LISTED = 10;
const DIGITS = /^\d+$/;

function isIndexLabel(value: string | number): boolean {
  return typeof value === 'number' || DIGITS.test(value.trim());
}

/**
 * The dataset's own label space: integer labels keep their values as indices (name = the number); names are sorted
 * (after normalisation, so "Water jug" and "water_jug" are one class) and numbered in that order.
 */
export function ownClasses(rows: readonly TableRow[], ctx: RowsContext): ClassInfo[] {
  const values = rows.flatMap((r) => (r.prediction === undefined ? [r.label] : [r.label, r.prediction]));
  const indexRow = rows.find(
    (r) => isIndexLabel(r.label) || (r.prediction !== undefined && isIndexLabel(r.prediction)),
  );
  const nameRow = rows.find(
    (r) => !isIndexLabel(r.label) || (r.prediction !== undefined && !isIndexLabel(r.prediction)),
  );
  if (indexRow && nameRow) {
    throw fileError(
      ctx.file,
      `labels mix class indices (line ${indexRow.line}) and class names (line ${nameRow.line}); ` +
        'without a class map, use one or the other',
      nameRow.line,
    );
  }
  if (indexRow) {
    const indices = [...new Set(values.map((v) => Number(v)))].sort((a, b) => a - b);
    return indices.map((index) => ({ index, name: String(index) }));
  }
  const byKey = new Map<string, string>();
  for (const value of [...new Set(values.map((v) => String(v).trim()))].sort(compareIds)) {
    const key = normaliseClassName(value);
    if (!byKey.has(key)) byKey.set(key, value);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([, name], index) => ({ index, name }));
}

export function datasetFromRows(allRows: readonly TableRow[], ctx: RowsContext): Dataset {
  if (allRows.length === 0) throw fileError(ctx.file, 'the manifest has no rows');
  const rows = ctx.split ? allRows.filter((r) => r.split === ctx.split) : allRows;
  if (rows.length === 0) {
    const present = [...new Set(allRows.map((r) => r.split || "''"))].join(', ');
    throw fileError(ctx.file, `no rows with split "${ctx.split}" (splits present: ${present})`);
  }
  const classes =
    ctx.classes ?? (ctx.defaultClasses === 'own' ? ownClasses(allRows, ctx) : ctx.defaultClasses());
  const space = labelSpaceFor(classes, { preferFullNames: ctx.preferFullNames });
  const hasPredictions = rows.some((r) => r.prediction !== undefined);

  const seen = new Map<string, number>();
  const samples: Sample[] = [];
  const predictionById = new Map<string, number>();
  const missing: string[] = [];
  for (const row of rows) {
    if (row.path.trim() === '')
      throw fileError(ctx.file, `empty image path in column "${ctx.columns.path}"`, row.line);
    const written = row.path.trim().replace(/\\/g, '/');
    const path = isAbsolute(written) ? resolve(written) : resolve(ctx.root, written);
    const id = sampleId(ctx.root, path);
    if (id.startsWith('../') || id === '..' || isAbsolute(id)) {
      throw new FaultlineError(
        `${ctx.file}:${row.line}: image ${written} is outside the dataset root ${ctx.root}`,
        {
          file: ctx.file,
          row: row.line,
          hint: 'pass --root <dir> with a directory that contains every image',
        },
      );
    }
    const earlier = seen.get(id);
    if (earlier !== undefined)
      throw fileError(ctx.file, `image ${id} is listed twice (also line ${earlier})`, row.line);
    seen.set(id, row.line);
    const label = space.resolve(row.label, {
      file: ctx.file,
      row: row.line,
      column: `column "${ctx.columns.label}"`,
    });
    let prediction: number | undefined;
    if (hasPredictions) {
      if (row.prediction === undefined || String(row.prediction).trim() === '') {
        throw fileError(ctx.file, `empty prediction in column "${ctx.columns.prediction}"`, row.line);
      }
      prediction = space.resolve(row.prediction, {
        file: ctx.file,
        row: row.line,
        column: `column "${ctx.columns.prediction}"`,
      });
    }
    if (!isFile(path)) {
      missing.push(`line ${row.line}: ${id}`);
      continue;
    }
    samples.push({ id, path, label, labelName: space.info(label).name, split: row.split });
    if (prediction !== undefined) predictionById.set(id, prediction);
  }
  if (samples.length === 0) {
    throw new FaultlineError(`${ctx.file}: none of the ${rows.length} images exists under ${ctx.root}`, {
      file: ctx.file,
      hint: 'relative paths resolve against the manifest directory; pass --root <dir> to change that',
    });
  }
  const warnings: string[] = [];
  if (missing.length > 0) {
    const listed = missing.slice(0, MAX_LISTED).join('; ');
    const more = missing.length > MAX_LISTED ? `; and ${missing.length - MAX_LISTED} more` : '';
    warnings.push(`${ctx.file}: ${missing.length} image(s) not found, left out: ${listed}${more}`);
  }
  samples.sort((a, b) => compareIds(a.id, b.id));
  const predictions: GivenPrediction[] | undefined = hasPredictions
    ? samples.map((s) => ({ id: s.id, prediction: predictionById.get(s.id) as number }))
    : undefined;
  return {
    kind: ctx.kind,
    root: ctx.root,
    source: ctx.file,
    classes,
    samples,
    ...(predictions ? { predictions } : {}),
    warnings,
  };
}
