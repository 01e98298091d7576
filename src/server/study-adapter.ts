/**
 * The study as the server uses it: one open Study (src/study) for the server's lifetime, plus what an annotator's
 * page shows next to a task (class examples, the feature's visuals) and the accepted feature names for every rule.
 */
import { existsSync } from 'node:fs';
import {
  Study,
  databasePath,
  getFeatureNames,
  type AnswerRecord,
  type FeatureNames,
  type PairResult,
  type StudyResults,
  type SubmitResult,
} from '../study/index.js';
import type { StudyTaskResponse } from './api-types.js';
import type { ExplorerData } from './explorer-data.js';
import { visualSetsForFeature } from './visuals.js';
import type { FeatureNamer } from './views.js';

export interface AnswerBody {
  taskId: number;
  main: 'main_object' | 'separate_object' | 'background';
  confidence: number;
  reasons: string;
}

/** Accepted names are re-read at most this often (names accepted through this server refresh at once). */
const NAMES_TTL_MS = 5000;
const EXAMPLES_PER_TASK = 6;

export class StudyService {
  private names: FeatureNames;
  private namesReadAt = Date.now();
  private readonly featureSet: string;

  constructor(
    private readonly study: Study,
    private readonly data: ExplorerData,
  ) {
    this.featureSet = data.discovery?.options.featureSet ?? study.info.featureSet;
    this.names = getFeatureNames(data.run.dir);
  }

  /** Opens the run's study, or returns null when the run has none. */
  static open(data: ExplorerData): StudyService | null {
    if (!existsSync(databasePath(data.run.dir))) return null;
    return new StudyService(Study.open(data.run.dir), data);
  }

  task(token: string): StudyTaskResponse {
    const next = this.study.nextTask(token);
    if (!next.task) return { task: null, answered: next.answered, examples: [], visuals: null };
    const { classIndex, featureIndex } = next.task;
    return {
      task: next.task,
      answered: next.answered,
      examples: this.classExamples(classIndex),
      visuals: visualSetsForFeature(this.data, featureIndex).find((v) => v.classIndex === classIndex) ?? null,
    };
  }

  submit(token: string, body: AnswerBody): SubmitResult {
    const { taskId, ...answer } = body;
    return this.study.submitAnswer(token, taskId, answer);
  }

  results(adminToken: string): StudyResults {
    this.study.requireAdmin(adminToken);
    return this.study.results({ proposeNames: true });
  }

  answers(adminToken: string, taskId: number): AnswerRecord[] {
    this.study.requireAdmin(adminToken);
    return this.study.answersForTask(taskId);
  }

  acceptName(adminToken: string, feature: number, name: string): { feature: number; name: string } {
    this.study.requireAdmin(adminToken);
    const stored = this.study.acceptName(this.featureSet, feature, name);
    this.refreshNames(true);
    return { feature, name: stored };
  }

  /** Pairs of this feature, for the feature page (the explorer is the owner's tool, so no token here). */
  featureResults(feature: number): PairResult[] {
    return this.study.results({ featureIndex: feature, featureSet: this.featureSet, proposeNames: true })
      .pairs;
  }

  namer(): FeatureNamer {
    return (_classIndex, feature) => {
      this.refreshNames(false);
      return this.names.get(feature, this.featureSet) ?? null;
    };
  }

  close(): void {
    this.study.close();
  }

  private refreshNames(force: boolean): void {
    if (!force && Date.now() - this.namesReadAt < NAMES_TTL_MS) return;
    this.names = getFeatureNames(this.data.run.dir);
    this.namesReadAt = Date.now();
  }

  /** Samples labelled with the class, correctly predicted ones first: what the class ordinarily looks like. */
  private classExamples(classIndex: number): { row: number; id: string }[] {
    const right: number[] = [];
    const other: number[] = [];
    const { labels, predictions, run } = this.data;
    for (let i = 0; i < labels.length && right.length < EXAMPLES_PER_TASK; i++) {
      if (labels[i] !== classIndex) continue;
      (predictions[i] === classIndex ? right : other).push(i);
    }
    return [...right, ...other].slice(0, EXAMPLES_PER_TASK).map((row) => ({ row, id: run.samples[row].id }));
  }
}
