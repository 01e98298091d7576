/**
 * Shapes of the explorer's JSON API, shared by the server (src/server) and the browser app (web/).
 * Type-only on purpose: the web build imports this file, so it must not pull in Node modules.
 */
import type { Condition, LeafMetrics, TreeNode } from './discovery.js';

export interface ApiError {
  error: string;
  /** Field-level problems for validation errors. */
  issues?: { path: string; message: string }[];
}

export interface PredictionSetSummary {
  name: string;
  accuracy: number;
}

export interface ClassRow {
  classIndex: number;
  className: string;
  /** Discovery group key ("pred-3"), when discovery analysed this class. */
  groupKey: string | null;
  n: number;
  failures: number;
  baseErrorRate: number;
  /** Importance (ER x EC) of the class's best failure mode; null when it has none. */
  topModeImportance: number | null;
  modeCount: number;
  skippedReason: string | null;
}

export type OverviewSort = 'error' | 'importance' | 'failures' | 'name' | 'index';

export interface OverviewResponse {
  runName: string;
  datasetKind: string;
  samples: number;
  classCount: number;
  groupBy: 'prediction' | 'label';
  hasDiscovery: boolean;
  accuracy: number;
  predictionSets: PredictionSetSummary[];
  /** What extraction warned about (run.json `extract.warnings`, e.g. int8 saturation on the extracting CPU). */
  warnings: string[];
  /** Classes matching the search, before paging. */
  total: number;
  page: number;
  pageSize: number;
  sort: OverviewSort;
  classes: ClassRow[];
}

export interface ModeSummary {
  id: string;
  rank: number;
  leaf: number;
  conditions: Condition[];
  /** Rule in words, with accepted feature names ("feature 1378 'jug handle' <= 0.0893"). */
  rule: string;
  train: LeafMetrics;
  heldOut: (LeafMetrics & { baseErrorRate: number }) | null;
  generalises: boolean | null;
  memberCount: number;
  comparison: Record<string, LeafMetrics & { baseErrorRate: number }> | null;
}

export interface DiscoverySettings {
  depth: number;
  minLeaf: number;
  topFeatures: number;
}

export interface ClassResponse {
  class: ClassRow;
  groupBy: 'prediction' | 'label';
  settings: DiscoverySettings;
  /** True when this group was re-run in this server session with edited settings. */
  edited: boolean;
  aler: number | null;
  precision: number | null;
  recall: number | null;
  selectedFeatures: { feature: number; score: number; name: string | null }[];
  tree: TreeNode[] | null;
  modes: ModeSummary[];
  featureNames: Record<string, string>;
  canRediscover: boolean;
}

export interface ModeResponse {
  mode: ModeSummary;
  groupKey: string;
  classIndex: number;
  className: string;
  baseErrorRate: number;
  failures: number;
  successes: number;
}

export interface MemberRow {
  row: number;
  id: string;
  label: number;
  labelName: string;
  prediction: number;
  predictionName: string;
  failure: boolean;
}

export interface MembersResponse {
  kind: 'failures' | 'successes';
  total: number;
  page: number;
  pageSize: number;
  items: MemberRow[];
}

export interface VisualSet {
  groupKey: string;
  classIndex: number;
  className: string;
  /** URLs (under /api/visuals/...) of the files, in rank order. */
  top: string[];
  heatmaps: string[];
  attacks: string[];
  sheet: string | null;
  /** Parsed visual.json when present (its layout belongs to the explain stage). */
  meta: unknown;
}

export interface RuleUse {
  modeId: string;
  groupKey: string;
  classIndex: number;
  className: string;
  rule: string;
  importance: number;
}

export interface FeatureResponse {
  feature: number;
  name: string | null;
  visuals: VisualSet[];
  rules: RuleUse[];
  /** Study results for (class, feature) pairs with this feature; shape owned by the study module. */
  study: unknown[];
}

export interface CompareRow {
  classIndex: number;
  className: string;
  n: number;
  /** Accuracy on the samples labelled with this class, per prediction set name. */
  accuracy: Record<string, number>;
  /** Second set's accuracy minus the first's. */
  delta: number;
}

export interface CompareResponse {
  sets: PredictionSetSummary[];
  total: number;
  page: number;
  pageSize: number;
  rows: CompareRow[];
  /** Failure modes with comparison metrics under the other model, most changed first. */
  modes: {
    id: string;
    className: string;
    rule: string;
    train: LeafMetrics;
    other: Record<string, LeafMetrics>;
  }[];
}

/** An annotator's page: the current task plus what to show with it. */
export interface StudyTaskResponse {
  /** null when the annotator has answered everything. */
  task: import('./study.js').TaskView | null;
  answered: number;
  /** Ordinary examples of the class (correctly predicted when possible). */
  examples: { row: number; id: string }[];
  /** Top images, heatmaps and attacks of (class, feature); null when the explain stage made none. */
  visuals: VisualSet | null;
}

export interface StudyAnswersResponse {
  answers: import('./study.js').AnswerRecord[];
}
