/**
 * The comprehensibility study (docs/method.md §7) — public API for the server, the CLI and other stages.
 *
 * Storage: <run>/faultline.db (SQLite, WAL, synchronous=FULL, foreign keys on). One study per run directory.
 * Every write is one BEGIN IMMEDIATE transaction; when submitAnswer returns, the answer is on disk.
 *
 * Creating / importing (owner, CLI):
 *   createStudy(runDir, { features: 'top-modes' | 'top-per-class', workersPerTask?, featuresPerClass?,
 *                         annotators?, goldFraction?, goldThreshold?, goldMinAnswers?, goldFrom?, goldCount? })
 *     -> { study, tasks, goldTasks, annotatorTokens: IssuedToken[], adminToken: IssuedToken }
 *     Tokens are shown only here (the database keeps SHA-256 hashes). The CLI prints them as the web routes
 *     expect: `${base}/study/${token}` for annotators, `${base}/admin#${token}` for the owner.
 *   importStudyCsv(runDir, csv, { featureSet?, classNames? }) -> ImportSummary  (creates dir/DB/study if absent)
 *   exportStudyCsv(runDir, outFile) -> number of answers written (mturk layout, see mturk-csv.ts)
 *
 * Serving (keep ONE Study open for the server's lifetime; all methods are synchronous and fast):
 *   const study = Study.open(runDir)                    // throws StudyError 'not-found' when the run has none
 *   study.authenticate(token) -> { role: 'admin' | 'annotator', annotatorId, externalId }   // 401 otherwise
 *   study.requireAdmin(token)                           // 401 unknown token, 403 annotator token
 *   study.nextTask(annotatorToken) -> { task: TaskView | null, answered }
 *       TaskView = { taskId, featureSet, classIndex, className, wnid, featureIndex, featureRank } (never says
 *       whether the task is gold). Same task again until answered (reload-safe).
 *   study.submitAnswer(annotatorToken, taskId, body) -> { answerId, taskId, duplicate }
 *       body = { main: 'main_object'|'separate_object'|'background', confidence: integer 1..5,
 *                reasons: string <= 2000 chars } (extra keys rejected). The same answer twice -> duplicate: true,
 *       one row; a different answer to an answered task -> 409.
 *   Owner (after requireAdmin): study.results({ proposeNames?, featureIndex?, featureSet? }) -> StudyResults
 *   (featureIndex: only that feature's pairs, ~50 ms; all 5,000 pairs with names: 0.3-1.5 s on 2 cores),
 *   study.tasks(), study.task(id), study.answersForTask(id) (free text is raw user input: render it as text), study.annotators(),
 *   study.addAnnotators(n) -> IssuedToken[], study.setGold(taskId, label | null),
 *   study.acceptName(featureSet, featureIndex, name), study.removeName(featureSet, featureIndex), study.close().
 *
 * Errors: every expected failure is a StudyError (a FaultlineError) with `.status` (400/401/403/404/409),
 * `.code` ('invalid-input' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict'), `.message` for people
 * and `.fields` (path -> problem) for 400s. Anything else is a bug (500).
 *
 * Names everywhere: getFeatureNames(runDir).describe(1378) -> "feature 1378 'jug handle'" (no DB: no names).
 *
 * Results rules (aggregate.ts): gold tasks and flagged annotators excluded; majority label with tie-break by summed
 * confidence; spurious when separate + background > answers / 2 (= >= 3 of 5); unanimity; confidence histogram;
 * Fleiss' kappa; up to 3 proposed names per pair from the free text (name-proposals.ts).
 */
export { Study, type OpenStudyOptions, type Principal } from './study.js';
export { createStudy, type CreateStudyOptions, type CreatedStudy } from './create-study.js';
export {
  importStudyCsv,
  exportStudyCsv,
  exportStudyRows,
  type ImportOptions,
  type ImportSummary,
} from './import-export.js';
export {
  getFeatureNames,
  featureNamesFrom,
  DEFAULT_FEATURE_SET,
  type FeatureNames,
} from './feature-names.js';
export { StudyError, type StudyErrorCode } from './errors.js';
export { aggregateStudy, isSpurious } from './aggregate.js';
export { fleissKappa } from './fleiss-kappa.js';
export { proposeNames } from './name-proposals.js';
export { parseMturkCsv, formatMturkCsv, MTURK_COLUMNS, type MturkRow } from './mturk-csv.js';
export {
  answerInputSchema,
  parseAnswerInput,
  MAX_REASONS_LENGTH,
  CREATE_STUDY_DEFAULTS,
} from './validate.js';
export { databasePath, DATABASE_FILE } from './store/database.js';
export { LABELS } from './types.js';
export type {
  Label,
  AnswerInput,
  TaskView,
  TaskRecord,
  NextTask,
  SubmitResult,
  StudyInfo,
  IssuedToken,
  AnnotatorRecord,
  AnswerRecord,
  PairResult,
  StudyTotals,
  StudyResults,
  AnnotatorQuality,
  LabelCounts,
  NameProposal,
  FeatureSelection,
} from './types.js';
