/**
 * Study results from stored tasks and answers (pure; the store supplies the records).
 *
 * - Only ordinary tasks are results; gold tasks serve quality control and are reported per annotator.
 * - Answers of flagged annotators are excluded (counted in `excludedAnswers`).
 * - Spurious rule: docs/method.md says a pair is spurious when >= 3 of its 5 workers answer separate object or
 *   background. For other worker counts we use the same strict majority: spurious when
 *   separate + background > answers / 2 (2 of 3, 3 of 4 or 5, 4 of 6 or 7); a tie is "core".
 * - Unanimous: every counted answer has the same label (pairs with one answer count as unanimous).
 * - Shares are over counted answers; the unanimous share is over pairs with at least one counted answer.
 */
import { fleissKappa } from './fleiss-kappa.js';
import { proposeNames } from './name-proposals.js';
import { scoreAnnotators, type GoldRule } from './quality.js';
import {
  LABELS,
  type AnnotatorRecord,
  type Label,
  type LabelCounts,
  type PairResult,
  type StudyInfo,
  type StudyResults,
  type TaskRecord,
} from './types.js';

export interface AggregateInput {
  study: StudyInfo;
  tasks: readonly TaskRecord[];
  answers: readonly {
    annotatorId: number;
    taskId: number;
    main: Label;
    confidence: number;
    reasons: string;
  }[];
  /** Non-admin annotators (those without answers are listed too). */
  annotators: readonly AnnotatorRecord[];
  /** Accepted names keyed by `${featureSet}:${featureIndex}`. */
  acceptedNames?: ReadonlyMap<string, string>;
  /** Skip name proposals (faster when only figures are wanted). */
  proposeNames?: boolean;
  /**
   * Flagged annotators when `answers` is only a subset (e.g. one feature's pairs) and gold answers are missing
   * from it; by default flags are computed from the gold answers in `answers`.
   */
  flagged?: ReadonlySet<number>;
}

export function featureKey(featureSet: string, featureIndex: number): string {
  return `${featureSet}:${featureIndex}`;
}

export function isSpurious(counts: LabelCounts): boolean {
  const total = counts.main_object + counts.separate_object + counts.background;
  return 2 * (counts.separate_object + counts.background) > total;
}

export function aggregateStudy(input: AggregateInput): StudyResults {
  const { study, tasks } = input;
  const rule: GoldRule = { threshold: study.goldThreshold, minAnswers: study.goldMinAnswers };
  const goldByTask = new Map<number, Label>();
  for (const t of tasks) if (t.goldAnswer) goldByTask.set(t.taskId, t.goldAnswer);
  const externalIds = new Map(input.annotators.map((a) => [a.id, a.externalId] as const));
  const quality = scoreAnnotators(input.answers, goldByTask, rule, externalIds);
  if (input.flagged) for (const q of quality.values()) q.flagged = input.flagged.has(q.annotatorId);
  const flagged = new Set([...quality.values()].filter((q) => q.flagged).map((q) => q.annotatorId));

  const byTask = new Map<number, { main: Label; confidence: number; reasons: string }[]>();
  let excludedAnswers = 0;
  for (const a of input.answers) {
    if (goldByTask.has(a.taskId)) continue;
    if (flagged.has(a.annotatorId)) {
      excludedAnswers++;
      continue;
    }
    let list = byTask.get(a.taskId);
    if (!list) byTask.set(a.taskId, (list = []));
    list.push(a);
  }

  const pairs: PairResult[] = [];
  const totalCounts = emptyCounts();
  const totalConfidence: PairResult['confidence'] = [0, 0, 0, 0, 0];
  const kappaRows: number[][] = [];
  let answers = 0;
  for (const task of tasks) {
    if (task.goldAnswer) continue;
    const list = byTask.get(task.taskId) ?? [];
    const pair = summarisePair(task, list, study.workersPerTask, input);
    pairs.push(pair);
    answers += pair.answers;
    for (const label of LABELS) totalCounts[label] += pair.counts[label];
    pair.confidence.forEach((c, i) => (totalConfidence[i] += c));
    if (pair.answers > 0) kappaRows.push(LABELS.map((l) => pair.counts[l]));
  }
  const answered = pairs.filter((p) => p.answers > 0);
  const unanimousPairs = answered.filter((p) => p.unanimous).length;
  const spuriousPairs = pairs.filter((p) => p.verdict === 'spurious').length;
  const annotatorList = [...quality.values()].sort((a, b) => a.annotatorId - b.annotatorId);
  return {
    study,
    totals: {
      pairs: pairs.length,
      answeredPairs: answered.length,
      completePairs: pairs.filter((p) => p.complete).length,
      answers,
      excludedAnswers,
      annotators: annotatorList.length,
      flaggedAnnotators: flagged.size,
      counts: totalCounts,
      shares: {
        main_object: share(totalCounts.main_object, answers),
        separate_object: share(totalCounts.separate_object, answers),
        background: share(totalCounts.background, answers),
      },
      unanimousPairs,
      unanimousShare: share(unanimousPairs, answered.length),
      spuriousPairs,
      corePairs: pairs.filter((p) => p.verdict === 'core').length,
      confidence: totalConfidence,
      fleissKappa: fleissKappa(kappaRows),
    },
    pairs,
    annotators: annotatorList,
  };
}

function summarisePair(
  task: TaskRecord,
  list: readonly { main: Label; confidence: number; reasons: string }[],
  workersPerTask: number,
  input: AggregateInput,
): PairResult {
  const counts = emptyCounts();
  const confidenceByLabel = emptyCounts();
  const confidence: PairResult['confidence'] = [0, 0, 0, 0, 0];
  let confidenceSum = 0;
  for (const a of list) {
    counts[a.main]++;
    confidenceByLabel[a.main] += a.confidence;
    confidence[a.confidence - 1]++;
    confidenceSum += a.confidence;
  }
  const n = list.length;
  let majority: Label | null = null;
  for (const label of LABELS) {
    if (counts[label] === 0) continue;
    if (
      majority === null ||
      counts[label] > counts[majority] ||
      (counts[label] === counts[majority] && confidenceByLabel[label] > confidenceByLabel[majority])
    ) {
      majority = label;
    }
  }
  const acceptedName = input.acceptedNames?.get(featureKey(task.featureSet, task.featureIndex)) ?? null;
  return {
    taskId: task.taskId,
    featureSet: task.featureSet,
    classIndex: task.classIndex,
    className: task.className,
    wnid: task.wnid,
    featureIndex: task.featureIndex,
    featureRank: task.featureRank,
    answers: n,
    complete: n >= workersPerTask,
    counts,
    majority,
    verdict: n === 0 ? 'pending' : isSpurious(counts) ? 'spurious' : 'core',
    unanimous: n > 0 && majority !== null && counts[majority] === n,
    meanConfidence: n > 0 ? confidenceSum / n : null,
    confidence,
    proposedNames:
      input.proposeNames === false
        ? []
        : proposeNames(
            list.map((a) => a.reasons),
            { className: task.className },
          ),
    acceptedName,
  };
}

function emptyCounts(): LabelCounts {
  return { main_object: 0, separate_object: 0, background: 0 };
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
