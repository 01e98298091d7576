/** `faultline study create`: tasks from discovery.json, annotator links and one admin link. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDiscoveryFile } from '../discover/discovery-file.js';
import { RUN_FILES } from '../run/format.js';
import { FaultlineError, fileError } from '../shared/errors.js';
import { databasePath, openDatabase } from './store/database.js';
import { StudyStore } from './store/study-store.js';
import { runClassLabels } from './class-names.js';
import { StudyError } from './errors.js';
import { selectGoldPairs } from './gold-selection.js';
import { readMturkCsv } from './mturk-csv.js';
import { Study } from './study.js';
import { tasksFromDiscovery } from './tasks-from-discovery.js';
import type { IssuedToken, StudyInfo } from './types.js';
import { createStudyOptionsSchema, parseOrThrow } from './validate.js';

export interface CreateStudyOptions {
  /** Which pairs to ask about (see tasks-from-discovery.ts). */
  features: 'top-modes' | 'top-per-class';
  /** Answers wanted per pair (default 5, as in the paper). */
  workersPerTask?: number;
  /** Pairs per class at most (default 5). */
  featuresPerClass?: number;
  /** Annotator links to create (default = workersPerTask, so every pair can be completed). */
  annotators?: number;
  /** Share of each annotator's tasks that are gold tasks (default 0.1). */
  goldFraction?: number;
  /** Minimum gold accuracy (default 0.6) ... */
  goldThreshold?: number;
  /** ... checked once an annotator has this many gold answers (default 3). */
  goldMinAnswers?: number;
  /** Earlier crowd results (mturk CSV layout) whose unanimous pairs become gold tasks. */
  goldFrom?: string;
  /** How many gold tasks to take from goldFrom (default 30). */
  goldCount?: number;
  /** Feature set the pairs refer to (default: the discovery's). */
  featureSet?: string;
}

export interface CreatedStudy {
  study: StudyInfo;
  tasks: number;
  goldTasks: number;
  annotatorTokens: IssuedToken[];
  adminToken: IssuedToken;
}

export function createStudy(runDir: string, options: CreateStudyOptions): CreatedStudy {
  const opts = parseOrThrow(createStudyOptionsSchema, options, 'study options');
  const discoveryFile = join(runDir, RUN_FILES.discovery);
  if (!existsSync(discoveryFile)) {
    throw new FaultlineError(
      `${discoveryFile}: not found; run \`faultline discover\` before creating a study`,
    );
  }
  const discovery = readDiscoveryFile(discoveryFile);
  const classes = runClassLabels(runDir);
  const wnids = new Map([...classes].flatMap(([i, c]) => (c.wnid ? [[i, c.wnid] as const] : [])));
  const featureSet = opts.featureSet ?? discovery.options.featureSet;
  const specs = tasksFromDiscovery(discovery, {
    features: opts.features,
    featuresPerClass: opts.featuresPerClass,
    featureSet,
    wnids,
  });
  if (specs.length === 0) {
    throw fileError(
      discoveryFile,
      `has no ${opts.features === 'top-modes' ? 'failure modes' : 'selected features'}`,
    );
  }
  const gold = opts.goldFrom ? selectGoldPairs(readMturkCsv(opts.goldFrom), opts.goldCount) : [];

  const db = openDatabase(runDir, { create: true });
  try {
    const store = new StudyStore(db);
    const studyId = store.transaction(() => {
      if (store.study()) {
        throw new StudyError('conflict', `${databasePath(runDir)} already holds a study`);
      }
      const id = store.insertStudy({
        createdAt: new Date().toISOString(),
        featureSelection: opts.features,
        featureSet,
        workersPerTask: opts.workersPerTask,
        goldFraction: opts.goldFraction,
        goldThreshold: opts.goldThreshold,
        goldMinAnswers: opts.goldMinAnswers,
      });
      for (const spec of specs) store.ensureTask(id, spec, 'discovery');
      for (const g of gold) {
        const label = classes.get(g.classIndex);
        store.ensureTask(
          id,
          {
            featureSet,
            classIndex: g.classIndex,
            className: label?.name ?? null,
            wnid: g.wnid ?? label?.wnid ?? null,
            featureIndex: g.featureIndex,
            featureRank: g.featureRank,
            goldAnswer: g.answer,
          },
          'gold',
        );
      }
      return id;
    });
    const study = Study.fromStore(runDir, db, store);
    const annotatorTokens = study.addAnnotators(opts.annotators ?? opts.workersPerTask);
    const [adminToken] = study.addAnnotators(1, { admin: true });
    const tasks = store.tasks(studyId);
    return {
      study: study.info,
      tasks: tasks.filter((t) => !t.goldAnswer).length,
      goldTasks: tasks.filter((t) => t.goldAnswer).length,
      annotatorTokens,
      adminToken,
    };
  } finally {
    db.close();
  }
}
