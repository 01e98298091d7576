/**
 * The crowd-answer CSV layout of Salient ImageNet's published study (mturk_results/discover_spurious_features.csv):
 *   WorkerId, Input.wordnet_id, Input.class_index, Input.feature_index, Input.feature_rank,
 *   Answer.main, Answer.confidence, Answer.reasons
 * Confidence is written as "4.0" like the original; reading accepts "4" and "4.0". Parsing is pure (text in,
 * rows out); a bad row is a FaultlineError naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fileError } from '../shared/errors.js';
import { LABELS, type Label } from './types.js';
import { MAX_REASONS_LENGTH } from './validate.js';

export const MTURK_COLUMNS = [
  'WorkerId',
  'Input.wordnet_id',
  'Input.class_index',
  'Input.feature_index',
  'Input.feature_rank',
  'Answer.main',
  'Answer.confidence',
  'Answer.reasons',
] as const;

export interface MturkRow {
  workerId: string;
  wnid: string | null;
  classIndex: number;
  featureIndex: number;
  featureRank: number;
  main: Label;
  confidence: number;
  reasons: string;
}

/** Reads and parses a CSV file; an unreadable file is a FaultlineError naming it. */
export function readMturkCsv(file: string): MturkRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fileError(
      file,
      `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return parseMturkCsv(text, file);
}

/** Parses the CSV text; `file` is only used in error messages. */
export function parseMturkCsv(text: string, file: string): MturkRow[] {
  const records = parse(text, { bom: true, relax_column_count: false, skip_empty_lines: true }) as string[][];
  if (records.length === 0) throw fileError(file, 'is empty (expected a header row)');
  const header = records[0];
  const position = new Map(header.map((name, i) => [name.trim(), i]));
  const missing = MTURK_COLUMNS.filter((c) => !position.has(c));
  if (missing.length > 0) {
    throw fileError(file, `missing column(s) ${missing.join(', ')} (expected ${MTURK_COLUMNS.join(',')})`, 1);
  }
  const col = (record: string[], name: (typeof MTURK_COLUMNS)[number]) => record[position.get(name)!] ?? '';
  const rows: MturkRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const record = records[r];
    const line = r + 1;
    const bad = (problem: string) => fileError(file, problem, line);
    const workerId = col(record, 'WorkerId').trim();
    if (workerId === '') throw bad('WorkerId is empty');
    const main = col(record, 'Answer.main').trim();
    if (!(LABELS as readonly string[]).includes(main)) {
      throw bad(`Answer.main must be one of ${LABELS.join(', ')} but is ${JSON.stringify(main)}`);
    }
    const confidence = Number(col(record, 'Answer.confidence').trim());
    if (!Number.isInteger(confidence) || confidence < 1 || confidence > 5) {
      throw bad(
        `Answer.confidence must be an integer 1-5 but is ${JSON.stringify(col(record, 'Answer.confidence'))}`,
      );
    }
    const reasons = col(record, 'Answer.reasons');
    if (reasons.length > MAX_REASONS_LENGTH)
      throw bad(`Answer.reasons is longer than ${MAX_REASONS_LENGTH} characters`);
    const wnid = col(record, 'Input.wordnet_id').trim();
    rows.push({
      workerId,
      wnid: wnid === '' ? null : wnid,
      classIndex: integerField(col(record, 'Input.class_index'), 'Input.class_index', 0, bad),
      featureIndex: integerField(col(record, 'Input.feature_index'), 'Input.feature_index', 0, bad),
      featureRank: integerField(col(record, 'Input.feature_rank'), 'Input.feature_rank', 1, bad),
      main: main as Label,
      confidence,
      reasons,
    });
  }
  return rows;
}

function integerField(raw: string, name: string, min: number, bad: (p: string) => Error): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw bad(`${name} must be an integer >= ${min} but is ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Formats rows in the published layout (LF line ends, minimal quoting, confidence as "N.0"). */
export function formatMturkCsv(rows: readonly MturkRow[]): string {
  return stringify(
    rows.map((r) => [
      r.workerId,
      r.wnid ?? '',
      r.classIndex,
      r.featureIndex,
      r.featureRank,
      r.main,
      r.confidence.toFixed(1),
      r.reasons,
    ]),
    { header: true, columns: [...MTURK_COLUMNS], record_delimiter: 'unix' },
  );
}
