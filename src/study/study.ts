/**
 * The study service: one open database connection and the operations the server and the CLI call. Annotator
 * operations take the link token and check it; owner (admin) operations assume the caller already checked the
 * admin token with `requireAdmin` (the server does this per request).
 */
import { FaultlineError } from '../shared/errors.js';
import { databasePath, openDatabase, type Db } from './store/database.js';
import { StudyStore } from './store/study-store.js';
import { existsSync } from 'node:fs';
import { aggregateStudy, featureKey } from './aggregate.js';
import { StudyError } from './errors.js';
import { isFlagged } from './quality.js';
import { hashToken, looksLikeToken, newToken, tokenMatches } from './tokens.js';
import type {
  AnnotatorRecord,
  AnswerRecord,
  IssuedToken,
  Label,
  NextTask,
  StudyInfo,
  StudyResults,
  SubmitResult,
  TaskRecord,
  TaskView,
} from './types.js';
import { labelSchema, parseAnswerInput, parseOrThrow, parseTaskId } from './validate.js';
import { z } from 'zod';

/** Who a token belongs to. */
export interface Principal {
  role: 'admin' | 'annotator';
  annotatorId: number;
  externalId: string | null;
}

export interface OpenStudyOptions {
  /** An unanswered assignment holds its slot in the task's quota this long (default 30 minutes). */
  assignmentTtlMs?: number;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
}

const DEFAULT_ASSIGNMENT_TTL_MS = 30 * 60 * 1000;
const featureNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export class Study {
  private readonly ttlMs: number;
  private readonly now: () => number;

  private constructor(
    readonly runDir: string,
    private readonly db: Db,
    private readonly store: StudyStore,
    readonly info: StudyInfo,
    options: OpenStudyOptions,
  ) {
    this.ttlMs = options.assignmentTtlMs ?? DEFAULT_ASSIGNMENT_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Opens the run's study. Throws StudyError 'not-found' when the run has no study. */
  static open(runDir: string, options: OpenStudyOptions = {}): Study {
    if (!existsSync(databasePath(runDir))) {
      throw new StudyError(
        'not-found',
        `${runDir}: this run has no study (run \`faultline study create\` first)`,
      );
    }
    const db = openDatabase(runDir);
    const store = new StudyStore(db);
    const info = store.study();
    if (!info) {
      db.close();
      throw new StudyError('not-found', `${databasePath(runDir)}: no study in this database`);
    }
    return new Study(runDir, db, store, info, options);
  }

  /** @internal Used by createStudy / import, which already hold the connection. */
  static fromStore(runDir: string, db: Db, store: StudyStore, options: OpenStudyOptions = {}): Study {
    const info = store.study();
    if (!info) throw new FaultlineError(`${databasePath(runDir)}: no study in this database`);
    return new Study(runDir, db, store, info, options);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // --- tokens -----------------------------------------------------------------------------------------------

  /** Resolves a link token; throws StudyError 'unauthorized' (401) for a missing or unknown token. */
  authenticate(token: unknown): Principal {
    if (!looksLikeToken(token)) throw new StudyError('unauthorized', 'Missing or malformed study token');
    const row = this.store.annotatorByHash(hashToken(token));
    if (!row || !tokenMatches(token, row.tokenHash))
      throw new StudyError('unauthorized', 'Unknown study token');
    return { role: row.isAdmin ? 'admin' : 'annotator', annotatorId: row.id, externalId: row.externalId };
  }

  /** Throws 401 for an unknown token and 403 for an annotator token. */
  requireAdmin(token: unknown): Principal {
    const who = this.authenticate(token);
    if (who.role !== 'admin') throw new StudyError('forbidden', 'This action needs the study admin token');
    return who;
  }

  private requireAnnotator(token: unknown): Principal {
    const who = this.authenticate(token);
    if (who.role !== 'annotator') {
      throw new StudyError('forbidden', 'The admin token cannot answer tasks; use an annotator link');
    }
    return who;
  }

  /** Creates new annotator (or admin) links. Tokens are returned once and only their hashes are stored. */
  addAnnotators(count: number, options: { admin?: boolean; externalIds?: string[] } = {}): IssuedToken[] {
    const n = parseOrThrow(z.number().int().min(0).max(10_000), count, 'annotator count');
    const at = new Date(this.now()).toISOString();
    return this.store.transaction(() =>
      Array.from({ length: n }, (_, i) => {
        const token = newToken();
        const externalId = options.externalIds?.[i] ?? null;
        const isAdmin = options.admin ?? false;
        const annotatorId = this.store.insertAnnotator(
          this.info.id,
          hashToken(token),
          externalId,
          isAdmin,
          at,
        );
        return { annotatorId, token, isAdmin };
      }),
    );
  }

  annotators(): AnnotatorRecord[] {
    return this.store.annotators(this.info.id);
  }

  // --- annotating -------------------------------------------------------------------------------------------

  /**
   * The task this annotator should do now: their open assignment if any (so a reload shows the same task),
   * else a gold task when one is due (gold answers < goldFraction x (answers + 1)), else the first task that
   * still needs workers. Returns task null when nothing is left.
   */
  nextTask(token: unknown): NextTask {
    const who = this.requireAnnotator(token);
    // An assignment only reserves a slot: losing it in a power cut is harmless, so its commit is not fsynced.
    return this.store.lightTransaction(() => {
      const nowMs = this.now();
      const counts = this.store.answerCounts(who.annotatorId);
      let taskId = this.store.openAssignment(who.annotatorId);
      if (taskId === undefined) {
        const ordinary = this.store.nextOrdinaryTask(
          this.info.id,
          who.annotatorId,
          this.info.workersPerTask,
          nowMs - this.ttlMs,
        );
        if (ordinary !== undefined) {
          const goldDue = counts.gold < this.info.goldFraction * (counts.total + 1);
          const gold = goldDue ? this.store.nextGoldTask(this.info.id, who.annotatorId) : undefined;
          taskId = gold ?? ordinary;
        }
      }
      if (taskId === undefined) return { task: null, answered: counts.total };
      this.store.assign(who.annotatorId, taskId, nowMs);
      return { task: toView(this.store.task(this.info.id, taskId)!), answered: counts.total };
    });
  }

  /**
   * Stores an answer durably (committed and fsynced before this returns). Submitting the same answer again is a
   * no-op reported as duplicate; a different answer to an already answered task is a 409 conflict. Any task of
   * the study may be answered, assigned or not.
   * @throws StudyError 400 invalid answer/task id, 401/403 token, 404 unknown task, 409 conflicting answer
   */
  submitAnswer(token: unknown, taskId: unknown, answer: unknown): SubmitResult {
    const who = this.requireAnnotator(token);
    const id = parseTaskId(taskId);
    const input = parseAnswerInput(answer);
    return this.store.transaction(() => {
      const task = this.store.task(this.info.id, id);
      if (!task) throw new StudyError('not-found', `No task ${id} in this study`);
      const createdAt = new Date(this.now()).toISOString();
      const answerId = this.store.insertAnswer(who.annotatorId, id, input, createdAt, 'web');
      if (answerId === undefined) {
        const existing = this.store.answer(who.annotatorId, id)!;
        const same =
          existing.main === input.main &&
          existing.confidence === input.confidence &&
          existing.reasons === input.reasons;
        if (!same)
          throw new StudyError('conflict', `Task ${id} was already answered with a different answer`);
        return { answerId: existing.answerId, taskId: id, duplicate: true };
      }
      if (task.goldAnswer) this.refreshFlag(who.annotatorId);
      return { answerId, taskId: id, duplicate: false };
    });
  }

  private refreshFlag(annotatorId: number): void {
    const score = this.store.goldScore(annotatorId);
    this.store.setFlagged(
      annotatorId,
      isFlagged(score, { threshold: this.info.goldThreshold, minAnswers: this.info.goldMinAnswers }),
    );
  }

  // --- owner ------------------------------------------------------------------------------------------------

  tasks(): TaskRecord[] {
    return this.store.tasks(this.info.id);
  }

  task(taskId: unknown): TaskRecord {
    const id = parseTaskId(taskId);
    const task = this.store.task(this.info.id, id);
    if (!task) throw new StudyError('not-found', `No task ${id} in this study`);
    return task;
  }

  /** Every stored answer of a task (flagged annotators included), oldest first. Free text is raw user input. */
  answersForTask(taskId: unknown): AnswerRecord[] {
    return this.store.answersForTask(this.task(taskId).taskId);
  }

  /** All answers in insertion order. */
  answers(): AnswerRecord[] {
    return this.store.answers(this.info.id);
  }

  /** Marks a task as gold with its known answer (null: ordinary again) and re-checks every annotator's flag. */
  setGold(taskId: unknown, answer: Label | null): TaskRecord {
    const label = answer === null ? null : parseOrThrow(labelSchema, answer, 'gold answer');
    const task = this.task(taskId);
    this.store.transaction(() => {
      this.store.setGold(task.taskId, label);
      this.refreshFlags();
    });
    return this.task(task.taskId);
  }

  /**
   * Per-pair and overall results; see aggregate.ts for every rule. With `featureIndex`, only the pairs of that
   * feature (fast: for a feature page), using the annotators' stored flags.
   */
  results(
    options: { proposeNames?: boolean; featureIndex?: number; featureSet?: string } = {},
  ): StudyResults {
    const names = new Map(
      this.store.featureNames().map((n) => [featureKey(n.featureSet, n.featureIndex), n.name]),
    );
    const annotators = this.annotators().filter((a) => !a.isAdmin);
    if (options.featureIndex !== undefined) {
      const featureSet = options.featureSet ?? this.info.featureSet;
      return aggregateStudy({
        study: this.info,
        tasks: this.store.tasksForFeature(this.info.id, featureSet, options.featureIndex),
        answers: this.store.answersForFeature(this.info.id, featureSet, options.featureIndex),
        annotators,
        acceptedNames: names,
        proposeNames: options.proposeNames,
        flagged: new Set(annotators.filter((a) => a.flagged).map((a) => a.id)),
      });
    }
    return aggregateStudy({
      study: this.info,
      tasks: this.store.tasks(this.info.id),
      answers: this.store.answers(this.info.id),
      annotators,
      acceptedNames: names,
      proposeNames: options.proposeNames,
    });
  }

  /** Recomputes every annotator's stored flag from their gold answers (after imports or gold changes). */
  refreshFlags(): void {
    this.store.transaction(() => {
      for (const a of this.store.annotators(this.info.id)) if (!a.isAdmin) this.refreshFlag(a.id);
    });
  }

  /** Accepts a name for a feature; it then appears wherever the feature is printed. Returns the stored name. */
  acceptName(featureSet: string, featureIndex: number, name: unknown, acceptedBy = 'owner'): string {
    const clean = parseOrThrow(featureNameSchema, name, 'feature name');
    parseOrThrow(z.number().int().min(0), featureIndex, 'feature index');
    this.store.transaction(() =>
      this.store.acceptName(featureSet, featureIndex, clean, acceptedBy, new Date(this.now()).toISOString()),
    );
    return clean;
  }

  /** Removes an accepted name; false when there was none. */
  removeName(featureSet: string, featureIndex: number): boolean {
    return this.store.transaction(() => this.store.removeName(featureSet, featureIndex));
  }
}

function toView(task: TaskRecord): TaskView {
  return {
    taskId: task.taskId,
    featureSet: task.featureSet,
    classIndex: task.classIndex,
    className: task.className,
    wnid: task.wnid,
    featureIndex: task.featureIndex,
    featureRank: task.featureRank,
  };
}
