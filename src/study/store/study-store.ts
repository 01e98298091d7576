/**
 * Every SQL statement of the study, prepared once per connection. Methods are synchronous and small; callers
 * group them in `transaction()` (BEGIN IMMEDIATE, so concurrent writers queue on the lock instead of failing
 * on a read-to-write upgrade). Rows are mapped to the study's records here and nowhere else.
 */
import type { Statement } from 'better-sqlite3';
import type {
  AnnotatorRecord,
  AnswerInput,
  AnswerRecord,
  FeatureSelection,
  Label,
  StudyInfo,
  TaskRecord,
  TaskSpec,
} from '../types.js';
import type { Db } from './database.js';

interface StudyRow {
  id: number;
  created_at: string;
  feature_selection: FeatureSelection;
  feature_set: string;
  workers_per_task: number;
  gold_fraction: number;
  gold_threshold: number;
  gold_min_answers: number;
}
interface AnnotatorRow {
  id: number;
  token_hash: Buffer;
  external_id: string | null;
  is_admin: 0 | 1;
  flagged: 0 | 1;
  created_at: string;
}
interface TaskRow {
  id: number;
  feature_set: string;
  class_index: number;
  wnid: string | null;
  class_name: string | null;
  feature_index: number;
  feature_rank: number;
  gold_answer: Label | null;
  source: TaskRecord['source'];
}
interface AnswerRow {
  id: number;
  annotator_id: number;
  worker_id: string;
  task_id: number;
  main: Label;
  confidence: number;
  reasons: string;
  created_at: string;
  source: AnswerRecord['source'];
}
export interface FeatureNameRow {
  featureSet: string;
  featureIndex: number;
  name: string;
  acceptedBy: string;
  acceptedAt: string;
}

const FEATURE_NAMES_SQL = `SELECT feature_set AS featureSet, feature_index AS featureIndex, name,
  accepted_by AS acceptedBy, accepted_at AS acceptedAt FROM feature_names ORDER BY feature_set, feature_index`;

/** Accepted names without preparing the whole store (works on read-only connections and older schemas). */
export function readFeatureNames(db: Db): FeatureNameRow[] {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feature_names'")
    .get();
  return hasTable ? (db.prepare(FEATURE_NAMES_SQL).all() as FeatureNameRow[]) : [];
}

const TASK_COLUMNS =
  'id, feature_set, class_index, wnid, class_name, feature_index, feature_rank, gold_answer, source';
const ANSWER_COLUMNS = `a.id, a.annotator_id, coalesce(n.external_id, CAST(n.id AS TEXT)) AS worker_id, a.task_id,
  a.main, a.confidence, a.reasons, a.created_at, a.source`;

export class StudyStore {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      study: p('SELECT * FROM studies ORDER BY id LIMIT 1'),
      insertStudy:
        p(`INSERT INTO studies (created_at, feature_selection, feature_set, workers_per_task, gold_fraction,
        gold_threshold, gold_min_answers) VALUES (@createdAt, @featureSelection, @featureSet, @workersPerTask,
        @goldFraction, @goldThreshold, @goldMinAnswers)`),
      insertAnnotator: p(`INSERT INTO annotators (study_id, token_hash, external_id, is_admin, created_at)
        VALUES (?, ?, ?, ?, ?)`),
      setExternalId: p('UPDATE annotators SET external_id = ? WHERE id = ?'),
      annotatorByHash: p('SELECT * FROM annotators WHERE token_hash = ?'),
      annotatorByExternalId: p('SELECT * FROM annotators WHERE study_id = ? AND external_id = ?'),
      annotators: p('SELECT * FROM annotators WHERE study_id = ? ORDER BY id'),
      setFlagged: p('UPDATE annotators SET flagged = @flagged WHERE id = @id AND flagged <> @flagged'),
      insertTask: p(`INSERT INTO tasks (study_id, feature_set, class_index, wnid, class_name, feature_index,
        feature_rank, gold_answer, source) VALUES (@studyId, @featureSet, @classIndex, @wnid, @className,
        @featureIndex, @featureRank, @goldAnswer, @source)
        ON CONFLICT (study_id, feature_set, class_index, feature_index) DO NOTHING`),
      taskByPair: p(`SELECT ${TASK_COLUMNS} FROM tasks
        WHERE study_id = ? AND feature_set = ? AND class_index = ? AND feature_index = ?`),
      task: p(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ? AND study_id = ?`),
      tasks: p(`SELECT ${TASK_COLUMNS} FROM tasks WHERE study_id = ? ORDER BY id`),
      setGold: p('UPDATE tasks SET gold_answer = ? WHERE id = ?'),
      openAssignment: p(`SELECT s.task_id AS id FROM assignments s
        WHERE s.annotator_id = ?
          AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.annotator_id = s.annotator_id AND a.task_id = s.task_id)
        ORDER BY s.assigned_at DESC LIMIT 1`),
      assign: p(`INSERT INTO assignments (annotator_id, task_id, assigned_at) VALUES (?, ?, ?)
        ON CONFLICT (annotator_id, task_id) DO UPDATE SET assigned_at = excluded.assigned_at`),
      // First ordinary task (creation order, so pairs complete one after another) that this annotator has not
      // answered and whose unflagged answers plus live assignments of others are below the quota. The unary +
      // keeps SQLite from using the (study_id, ...) index: a rowid scan in id order stops at the first match
      // instead of evaluating the subqueries for every task and sorting.
      nextOrdinary: p(`SELECT t.id FROM tasks t
        WHERE +t.study_id = @studyId AND t.gold_answer IS NULL AND t.answers_counted < @workers
          AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.annotator_id = @annotatorId AND a.task_id = t.id)
          AND t.answers_counted
            + (SELECT count(*) FROM assignments s
                WHERE s.task_id = t.id AND s.assigned_at >= @cutoff AND s.annotator_id <> @annotatorId
                  AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.annotator_id = s.annotator_id
                                    AND a.task_id = s.task_id))
            < @workers
        ORDER BY t.id LIMIT 1`),
      countAnswer: p(`UPDATE tasks SET answers_counted = answers_counted + 1
        WHERE id = ? AND (SELECT flagged FROM annotators WHERE id = ?) = 0`),
      recountTasksOf: p(`UPDATE tasks SET answers_counted = (SELECT count(*) FROM answers a
          JOIN annotators n ON n.id = a.annotator_id WHERE a.task_id = tasks.id AND n.flagged = 0)
        WHERE id IN (SELECT task_id FROM answers WHERE annotator_id = ?)`),
      recountAll: p(`UPDATE tasks SET answers_counted = (SELECT count(*) FROM answers a
          JOIN annotators n ON n.id = a.annotator_id WHERE a.task_id = tasks.id AND n.flagged = 0)
        WHERE study_id = ?`),
      nextGold: p(`SELECT t.id FROM tasks t
        WHERE t.study_id = ? AND t.gold_answer IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.annotator_id = ? AND a.task_id = t.id)
        ORDER BY t.id LIMIT 1`),
      answerCounts: p(`SELECT count(*) AS total, count(t.gold_answer) AS gold FROM answers a
        JOIN tasks t ON t.id = a.task_id WHERE a.annotator_id = ?`),
      goldScore: p(`SELECT count(*) AS goldAnswers, coalesce(sum(a.main = t.gold_answer), 0) AS goldCorrect
        FROM answers a JOIN tasks t ON t.id = a.task_id WHERE a.annotator_id = ? AND t.gold_answer IS NOT NULL`),
      insertAnswer:
        p(`INSERT INTO answers (annotator_id, task_id, main, confidence, reasons, created_at, source)
        VALUES (@annotatorId, @taskId, @main, @confidence, @reasons, @createdAt, @source)
        ON CONFLICT (annotator_id, task_id) DO NOTHING`),
      answer: p(`SELECT ${ANSWER_COLUMNS} FROM answers a JOIN annotators n ON n.id = a.annotator_id
        WHERE a.annotator_id = ? AND a.task_id = ?`),
      answersForTask: p(`SELECT ${ANSWER_COLUMNS} FROM answers a JOIN annotators n ON n.id = a.annotator_id
        WHERE a.task_id = ? ORDER BY a.id`),
      answers: p(`SELECT ${ANSWER_COLUMNS} FROM answers a JOIN annotators n ON n.id = a.annotator_id
        WHERE n.study_id = ? ORDER BY a.id`),
      answersForFeature: p(`SELECT ${ANSWER_COLUMNS} FROM answers a JOIN annotators n ON n.id = a.annotator_id
        JOIN tasks t ON t.id = a.task_id
        WHERE t.study_id = ? AND t.feature_set = ? AND t.feature_index = ? ORDER BY a.id`),
      tasksForFeature: p(`SELECT ${TASK_COLUMNS} FROM tasks
        WHERE study_id = ? AND feature_set = ? AND feature_index = ? ORDER BY id`),
      featureNames: p(FEATURE_NAMES_SQL),
      acceptName: p(`INSERT INTO feature_names (feature_set, feature_index, name, accepted_by, accepted_at)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (feature_set, feature_index) DO UPDATE SET name = excluded.name,
        accepted_by = excluded.accepted_by, accepted_at = excluded.accepted_at`),
      removeName: p('DELETE FROM feature_names WHERE feature_set = ? AND feature_index = ?'),
    };
  }

  /** Runs fn in one BEGIN IMMEDIATE transaction (committed, and with synchronous=FULL fsynced, on return). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Like transaction(), but the commit is not fsynced (synchronous=NORMAL for this one commit). For writes whose
   * loss in a power cut is harmless (task assignments): the next durable commit fsyncs the WAL, and with it
   * these frames too. Must not be called inside another transaction.
   */
  lightTransaction<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  study(): StudyInfo | null {
    const row = this.s.study.get() as StudyRow | undefined;
    return row
      ? {
          id: row.id,
          createdAt: row.created_at,
          featureSelection: row.feature_selection,
          featureSet: row.feature_set,
          workersPerTask: row.workers_per_task,
          goldFraction: row.gold_fraction,
          goldThreshold: row.gold_threshold,
          goldMinAnswers: row.gold_min_answers,
        }
      : null;
  }

  insertStudy(info: Omit<StudyInfo, 'id'>): number {
    return Number(this.s.insertStudy.run(info).lastInsertRowid);
  }

  /** Inserts an annotator; without an external id, one is derived from the row id ("annotator-<id>"). */
  insertAnnotator(
    studyId: number,
    tokenHash: Buffer,
    externalId: string | null,
    isAdmin: boolean,
    at: string,
  ): number {
    const id = Number(
      this.s.insertAnnotator.run(studyId, tokenHash, externalId, isAdmin ? 1 : 0, at).lastInsertRowid,
    );
    if (externalId === null) this.s.setExternalId.run(isAdmin ? `admin-${id}` : `annotator-${id}`, id);
    return id;
  }

  annotatorByHash(hash: Buffer): (AnnotatorRecord & { tokenHash: Buffer }) | undefined {
    const row = this.s.annotatorByHash.get(hash) as AnnotatorRow | undefined;
    return row ? { ...toAnnotator(row), tokenHash: row.token_hash } : undefined;
  }

  annotatorByExternalId(studyId: number, externalId: string): AnnotatorRecord | undefined {
    const row = this.s.annotatorByExternalId.get(studyId, externalId) as AnnotatorRow | undefined;
    return row ? toAnnotator(row) : undefined;
  }

  annotators(studyId: number): AnnotatorRecord[] {
    return (this.s.annotators.all(studyId) as AnnotatorRow[]).map(toAnnotator);
  }

  /** Sets the flag; when it changes, the counted answers of the annotator's tasks are recounted. */
  setFlagged(annotatorId: number, flagged: boolean): void {
    if (this.s.setFlagged.run({ flagged: flagged ? 1 : 0, id: annotatorId }).changes > 0)
      this.s.recountTasksOf.run(annotatorId);
  }

  /** Recounts every task's counted answers (after bulk changes). */
  recountAll(studyId: number): void {
    this.s.recountAll.run(studyId);
  }

  /** Inserts the task unless the pair exists; returns the stored task either way. */
  ensureTask(studyId: number, spec: TaskSpec, source: TaskRecord['source']): TaskRecord {
    this.s.insertTask.run({
      studyId,
      featureSet: spec.featureSet,
      classIndex: spec.classIndex,
      wnid: spec.wnid,
      className: spec.className,
      featureIndex: spec.featureIndex,
      featureRank: spec.featureRank,
      goldAnswer: spec.goldAnswer ?? null,
      source,
    });
    const row = this.s.taskByPair.get(
      studyId,
      spec.featureSet,
      spec.classIndex,
      spec.featureIndex,
    ) as TaskRow;
    return toTask(row);
  }

  task(studyId: number, taskId: number): TaskRecord | undefined {
    const row = this.s.task.get(taskId, studyId) as TaskRow | undefined;
    return row ? toTask(row) : undefined;
  }

  tasks(studyId: number): TaskRecord[] {
    return (this.s.tasks.all(studyId) as TaskRow[]).map(toTask);
  }

  setGold(taskId: number, answer: Label | null): void {
    this.s.setGold.run(answer, taskId);
  }

  openAssignment(annotatorId: number): number | undefined {
    return (this.s.openAssignment.get(annotatorId) as { id: number } | undefined)?.id;
  }

  assign(annotatorId: number, taskId: number, atMs: number): void {
    this.s.assign.run(annotatorId, taskId, atMs);
  }

  nextOrdinaryTask(
    studyId: number,
    annotatorId: number,
    workers: number,
    cutoffMs: number,
  ): number | undefined {
    const row = this.s.nextOrdinary.get({ studyId, annotatorId, workers, cutoff: cutoffMs }) as
      { id: number } | undefined;
    return row?.id;
  }

  nextGoldTask(studyId: number, annotatorId: number): number | undefined {
    return (this.s.nextGold.get(studyId, annotatorId) as { id: number } | undefined)?.id;
  }

  answerCounts(annotatorId: number): { total: number; gold: number } {
    return this.s.answerCounts.get(annotatorId) as { total: number; gold: number };
  }

  goldScore(annotatorId: number): { goldAnswers: number; goldCorrect: number } {
    return this.s.goldScore.get(annotatorId) as { goldAnswers: number; goldCorrect: number };
  }

  /** Inserts the answer unless this annotator already answered the task; returns the new id or undefined. */
  insertAnswer(
    annotatorId: number,
    taskId: number,
    answer: AnswerInput,
    createdAt: string,
    source: AnswerRecord['source'],
  ): number | undefined {
    const info = this.s.insertAnswer.run({ annotatorId, taskId, ...answer, createdAt, source });
    if (info.changes !== 1) return undefined;
    this.s.countAnswer.run(taskId, annotatorId);
    return Number(info.lastInsertRowid);
  }

  answer(annotatorId: number, taskId: number): AnswerRecord | undefined {
    const row = this.s.answer.get(annotatorId, taskId) as AnswerRow | undefined;
    return row ? toAnswer(row) : undefined;
  }

  answersForTask(taskId: number): AnswerRecord[] {
    return (this.s.answersForTask.all(taskId) as AnswerRow[]).map(toAnswer);
  }

  /** All answers of the study in insertion order (import order is preserved, so exports match imports). */
  answers(studyId: number): AnswerRecord[] {
    return (this.s.answers.all(studyId) as AnswerRow[]).map(toAnswer);
  }

  answersForFeature(studyId: number, featureSet: string, featureIndex: number): AnswerRecord[] {
    return (this.s.answersForFeature.all(studyId, featureSet, featureIndex) as AnswerRow[]).map(toAnswer);
  }

  tasksForFeature(studyId: number, featureSet: string, featureIndex: number): TaskRecord[] {
    return (this.s.tasksForFeature.all(studyId, featureSet, featureIndex) as TaskRow[]).map(toTask);
  }

  featureNames(): FeatureNameRow[] {
    return this.s.featureNames.all() as FeatureNameRow[];
  }

  acceptName(featureSet: string, featureIndex: number, name: string, by: string, at: string): void {
    this.s.acceptName.run(featureSet, featureIndex, name, by, at);
  }

  removeName(featureSet: string, featureIndex: number): boolean {
    return this.s.removeName.run(featureSet, featureIndex).changes > 0;
  }
}

function toAnnotator(row: AnnotatorRow): AnnotatorRecord {
  return {
    id: row.id,
    externalId: row.external_id,
    isAdmin: row.is_admin === 1,
    flagged: row.flagged === 1,
    createdAt: row.created_at,
  };
}

function toTask(row: TaskRow): TaskRecord {
  return {
    taskId: row.id,
    featureSet: row.feature_set,
    classIndex: row.class_index,
    className: row.class_name,
    wnid: row.wnid,
    featureIndex: row.feature_index,
    featureRank: row.feature_rank,
    goldAnswer: row.gold_answer,
    source: row.source,
  };
}

function toAnswer(row: AnswerRow): AnswerRecord {
  return {
    answerId: row.id,
    annotatorId: row.annotator_id,
    workerId: row.worker_id,
    taskId: row.task_id,
    main: row.main,
    confidence: row.confidence,
    reasons: row.reasons,
    createdAt: row.created_at,
    source: row.source,
  };
}
