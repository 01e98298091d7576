/** CSV reading for manifests and metadata.csv: BOM, quoted commas and multi-line fields, errors with line numbers. */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { fileError } from '../shared/errors.js';

export interface CsvTable {
  header: string[];
  /** Data records with the line each ended on (1-based; the header is line 1 for a one-line header). */
  records: { line: number; values: string[] }[];
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fileError(
      file,
      code === 'ENOENT' ? 'file not found' : `cannot read the file (${(error as Error).message})`,
    );
  }
}

export function parseCsv(file: string, text: string): CsvTable {
  let parsed: ParsedRecord[];
  try {
    parsed = parse(text, { bom: true, info: true, skip_empty_lines: true }) as ParsedRecord[];
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string };
    throw fileError(file, `malformed CSV (${message})`, lines);
  }
  if (parsed.length === 0) throw fileError(file, 'the CSV file is empty');
  const [head, ...rest] = parsed;
  return {
    header: head.record.map((h) => h.trim()),
    records: rest.map((r) => ({ line: r.info.lines, values: r.record })),
  };
}

/** The header line of a CSV file (for auto-detection), or undefined when it cannot be read. */
export function csvHeader(file: string): string[] | undefined {
  try {
    const firstLine = readFileSync(file, 'utf8').split(/\r?\n/, 1)[0];
    return parseCsv(file, firstLine).header;
  } catch {
    return undefined;
  }
}
