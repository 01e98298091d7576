/**
 * `faultline study import` / `export`: crowd answers in the published mturk CSV layout (see mturk-csv.ts).
 * Import works on a bare directory too: it creates the directory, the database and an 'import' study.
 * Re-importing is safe: an (annotator, pair) answer is stored once; a different answer for the same worker and
 * pair is kept as first stored and reported as a conflict.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileError } from '../shared/errors.js';
import { openDatabase } from './store/database.js';
import { StudyStore } from './store/study-store.js';
import { readClassLabels, runClassLabels, type ClassLabel } from './class-names.js';
import { formatMturkCsv, readMturkCsv, type MturkRow } from './mturk-csv.js';
import { DEFAULT_GOLD_RULE } from './quality.js';
import { Study } from './study.js';
import { hashToken, newToken } from './tokens.js';

export interface ImportOptions {
  /** Feature set the imported pairs refer to (default: the study's, or "robust" for a new study). */
  featureSet?: string;
  /** Class list file for class names (classes.json or imagenet_class_index.json); default the run's. */
  classNames?: string;
}

export interface ImportSummary {
  rows: number;
  answersAdded: number;
  /** Rows identical to an answer already stored. */
  duplicates: number;
  /** Rows whose worker already answered the pair differently (the stored answer is kept). */
  conflicts: { line: number; workerId: string; classIndex: number; featureIndex: number }[];
  tasksAdded: number;
  annotatorsAdded: number;
  /** True when the import created the study. */
  createdStudy: boolean;
}

export function importStudyCsv(runDir: string, csvFile: string, options: ImportOptions = {}): ImportSummary {
  const rows = readMturkCsv(csvFile);
  const classes = options.classNames ? readClassLabels(options.classNames) : runClassLabels(runDir);
  const db = openDatabase(runDir, { create: true });
  try {
    const store = new StudyStore(db);
    const summary = store.transaction(() => importRows(store, rows, classes, options));
    // Imported answers may include gold tasks: bring the stored flags up to date.
    Study.fromStore(runDir, db, store).refreshFlags();
    return summary;
  } finally {
    db.close();
  }
}

function importRows(
  store: StudyStore,
  rows: readonly MturkRow[],
  classes: ReadonlyMap<number, ClassLabel>,
  options: ImportOptions,
): ImportSummary {
  const at = new Date().toISOString();
  let study = store.study();
  const createdStudy = study === null;
  if (!study) {
    store.insertStudy({
      createdAt: at,
      featureSelection: 'import',
      featureSet: options.featureSet ?? 'robust',
      workersPerTask: typicalAnswersPerPair(rows),
      goldFraction: 0,
      goldThreshold: DEFAULT_GOLD_RULE.threshold,
      goldMinAnswers: DEFAULT_GOLD_RULE.minAnswers,
    });
    study = store.study()!;
  }
  const featureSet = options.featureSet ?? study.featureSet;
  const tasksBefore = store.tasks(study.id).length;
  const annotatorIds = new Map<string, number>();
  let annotatorsAdded = 0;
  const taskIds = new Map<string, number>();
  const summary: ImportSummary = {
    rows: rows.length,
    answersAdded: 0,
    duplicates: 0,
    conflicts: [],
    tasksAdded: 0,
    annotatorsAdded: 0,
    createdStudy,
  };
  rows.forEach((row, i) => {
    let annotatorId = annotatorIds.get(row.workerId);
    if (annotatorId === undefined) {
      annotatorId = store.annotatorByExternalId(study.id, row.workerId)?.id;
      if (annotatorId === undefined) {
        // Imported workers get a random token that nobody ever sees: they can never log in.
        annotatorId = store.insertAnnotator(study.id, hashToken(newToken()), row.workerId, false, at);
        annotatorsAdded++;
      }
      annotatorIds.set(row.workerId, annotatorId);
    }
    const pairKey = `${row.classIndex}:${row.featureIndex}`;
    let taskId = taskIds.get(pairKey);
    if (taskId === undefined) {
      const label = classes.get(row.classIndex);
      taskId = store.ensureTask(
        study.id,
        {
          featureSet,
          classIndex: row.classIndex,
          className: label?.name ?? null,
          wnid: row.wnid ?? label?.wnid ?? null,
          featureIndex: row.featureIndex,
          featureRank: row.featureRank,
        },
        'import',
      ).taskId;
      taskIds.set(pairKey, taskId);
    }
    const answer = { main: row.main, confidence: row.confidence, reasons: row.reasons };
    if (store.insertAnswer(annotatorId, taskId, answer, at, 'import') !== undefined) {
      summary.answersAdded++;
      return;
    }
    const existing = store.answer(annotatorId, taskId)!;
    if (
      existing.main === row.main &&
      existing.confidence === row.confidence &&
      existing.reasons === row.reasons
    ) {
      summary.duplicates++;
    } else {
      summary.conflicts.push({
        line: i + 2,
        workerId: row.workerId,
        classIndex: row.classIndex,
        featureIndex: row.featureIndex,
      });
    }
  });
  summary.tasksAdded = store.tasks(study.id).length - tasksBefore;
  summary.annotatorsAdded = annotatorsAdded;
  return summary;
}

/** The most common number of answers per pair (5 in the published study). */
function typicalAnswersPerPair(rows: readonly MturkRow[]): number {
  const perPair = new Map<string, number>();
  for (const r of rows)
    perPair.set(
      `${r.classIndex}:${r.featureIndex}`,
      (perPair.get(`${r.classIndex}:${r.featureIndex}`) ?? 0) + 1,
    );
  const histogram = new Map<number, number>();
  for (const n of perPair.values()) histogram.set(n, (histogram.get(n) ?? 0) + 1);
  let best = 5;
  let bestCount = 0;
  for (const [n, count] of histogram) {
    if (count > bestCount || (count === bestCount && n > best)) [best, bestCount] = [n, count];
  }
  return best;
}

/** The study's answers (all of them, flagged annotators included) as mturk CSV text, in storage order. */
export function exportStudyRows(study: Study): MturkRow[] {
  const tasks = new Map(study.tasks().map((t) => [t.taskId, t]));
  return study.answers().map((a) => {
    const t = tasks.get(a.taskId)!;
    return {
      workerId: a.workerId,
      wnid: t.wnid,
      classIndex: t.classIndex,
      featureIndex: t.featureIndex,
      featureRank: t.featureRank,
      main: a.main,
      confidence: a.confidence,
      reasons: a.reasons,
    };
  });
}

/** Writes the export atomically (temp file + rename); returns the number of answers written. */
export function exportStudyCsv(runDir: string, outFile: string): number {
  const study = Study.open(runDir);
  try {
    const rows = exportStudyRows(study);
    const tmp = `${outFile}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, formatMturkCsv(rows));
      renameSync(tmp, outFile);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw fileError(
        outFile,
        `cannot write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    return rows.length;
  } finally {
    study.close();
  }
}
