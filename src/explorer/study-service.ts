/**
 * The study as the server uses it: one open Study (src/study) for the server's lifetime, plus what an annotator's
 * page shows next to a task (class examples, the feature's visuals) and the accepted feature names for every rule.
 */
import { existsSync } from 'node:fs';
import {
  Study,
  StudyError,
  databasePath,
  type AnswerRecord,
  type PairResult,
  type StudyResults,
  type SubmitResult,
} from '../study/index.js';
import type { StudyTaskResponse } from '../shared/api/explorer.js';
import type { ExplorerData } from './explorer-data.js';
import { visualSetsForFeature } from './visuals.js';
import type { FeatureNameCache } from './feature-name-cache.js';

export interface AnswerBody {
  taskId: number;
  main: 'main_object' | 'separate_object' | 'background';
  confidence: number;
  reasons: string;
}

const EXAMPLES_PER_TASK = 6;

export class StudyService {
  private readonly featureSet: string;

  constructor(
    private readonly study: Study,
    private readonly data: ExplorerData,
    private readonly names: FeatureNameCache,
  ) {
    this.featureSet = data.discovery?.options.featureSet ?? study.info.featureSet;
  }

  /** Opens the run's study, or returns null when the run has none (no database, or a database without a study). */
  static open(data: ExplorerData, names: FeatureNameCache): StudyService | null {
    if (!existsSync(databasePath(data.run.dir))) return null;
    try {
      return new StudyService(Study.open(data.run.dir), data, names);
    } catch (error) {
      if (error instanceof StudyError && error.code === 'not-found') return null;
      throw error;
    }
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
    this.names.refresh();
    return { feature, name: stored };
  }

  /** Pairs of this feature, for the feature page (the explorer is the owner's tool, so no token here). */
  featureResults(feature: number): PairResult[] {
    return this.study.results({ featureIndex: feature, featureSet: this.featureSet, proposeNames: true })
      .pairs;
  }

  close(): void {
    this.study.close();
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
