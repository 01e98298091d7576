/**
 * The types of discovery.json — the versioned output of `faultline discover`, read by explain, serve, study, report
 * and the web app. Type-only, so the web build can import it; `discover/schema.ts` re-exports these types with the
 * format constant. Documented for users in docs/discovery-schema.md. Bump the format when a field changes meaning.
 */
export type DiscoveryFormat = 'faultline-discovery/1';

export type GroupBy = 'prediction' | 'label';
export type Criterion = 'entropy' | 'gini';
export type FeatureRanking = 'mutual-information' | 'mean-activation';

/** One condition on a path from the root: feature <= threshold (left) or > threshold (right). */
export interface Condition {
  /** The feature set's own column index (e.g. 1378), never a position among the selected features. */
  feature: number;
  threshold: number;
  op: '<=' | '>';
}

/** A node of a fitted failure tree, in preorder; children referenced by index into Tree.nodes. */
export interface TreeNode {
  id: number;
  depth: number;
  /** Unweighted sample and failure counts reaching the node. */
  n: number;
  failures: number;
  /** Internal nodes only. */
  feature?: number;
  threshold?: number;
  left?: number;
  right?: number;
  impurity: number;
}

export interface LeafMetrics {
  /** Samples in the leaf (n_l), failures in it (f_l). */
  n: number;
  failures: number;
  /** ER = f_l / n_l (0 when n_l = 0). */
  errorRate: number;
  /** EC = f_l / F. */
  errorCoverage: number;
  /** IV = ER x EC. */
  importance: number;
}

export interface FailureMode {
  /** Stable id: "<group key>/<leaf node id>", e.g. "pred-899/2". */
  id: string;
  /** Rank by importance within the group, 1 = most important. */
  rank: number;
  leaf: number;
  conditions: Condition[];
  /** Readable rule, e.g. 'predicted water_jug and feature 1378 <= 0.0893'. */
  rule: string;
  train: LeafMetrics;
  /** Same rule applied to the held-out part; absent when no held-out part exists. */
  heldOut?: LeafMetrics & { baseErrorRate: number };
  /** True when the held-out ER stays above the held-out base error rate (see docs for the exact rule). */
  generalises?: boolean;
  /** Sample ids (samples.csv `id`) of the members on all data (train + held-out). */
  members: string[];
  /** The same rule under a second model's predictions, when comparing. */
  comparison?: Record<string, LeafMetrics & { baseErrorRate: number }>;
}

export interface GroupResult {
  /** "pred-<class index>" or "label-<class index>". */
  key: string;
  classIndex: number;
  className: string;
  /** Counts on the fitting part. */
  n: number;
  failures: number;
  baseErrorRate: number;
  /** Present when a tree was fitted. */
  aler?: number;
  precision?: number;
  recall?: number;
  /** Why no tree was fitted (F = 0, F = N, too small, ...). */
  skippedReason?: string;
  /** Selected features (own indices) with their ranking score, best first. */
  selectedFeatures: { feature: number; score: number }[];
  tree?: { nodes: TreeNode[] };
  modes: FailureMode[];
  /** Held-out part of the group (validation 'split' or 'random'): its size and failures. */
  heldOut?: { n: number; failures: number; baseErrorRate: number };
  /** k-fold validation: out-of-fold precision / recall of the failure leaves of trees refitted per fold. */
  crossValidation?: { folds: number; precision: number; recall: number; heldOutFailureLeafSamples: number };
  /** Group-level counts under each compared prediction set (same samples, the other model's failure flags). */
  comparison?: Record<string, { n: number; failures: number; baseErrorRate: number }>;
}

/** Dataset-wide view: groups (keys) ranked two ways, and totals. */
export interface DiscoverySummary {
  groups: number;
  groupsWithTree: number;
  groupsSkipped: number;
  modes: number;
  /** Modes whose held-out error rate stays above the held-out base error rate. */
  modesGeneralising?: number;
  /** Group keys, highest base error rate first. */
  byBaseErrorRate: string[];
  /** Group keys with at least one mode, highest top-mode importance first. */
  byTopModeImportance: string[];
}

/**
 * How the samples were grouped and why (format 2; absent in format 1 files). `--group-by auto` (the default)
 * groups by prediction unless the labels cover at most half of the model's classes and some predictions fall
 * outside them, then by label.
 */
export interface GroupingInfo {
  requested: 'auto' | GroupBy;
  chosen: GroupBy;
  /** Classes at least one sample is labelled with, of the model's `outputClasses`. */
  labelledClasses: number;
  outputClasses: number;
  /** Samples predicted as a class no sample is labelled with, and how many such classes. */
  predictionsOutsideLabels: number;
  predictedClassesOutsideLabels: number;
  /** Present when the label space is partial: the choice made, or why the explicit choice is degenerate. */
  note?: string;
}

/** The tree and feature options that discover takes and a discovery file stores alike. */
export interface TreeOptions {
  depth: number;
  topFeatures: number;
  minLeaf: number;
  minSplit: number;
  criterion: Criterion;
  classWeight: 'balanced' | 'none';
  ranking: FeatureRanking;
  /** Only these classes (indices, names or wnids as given); all when absent. */
  classes?: string[];
  featureSet: string;
  predictionSet: string;
}

export interface DiscoveryResult {
  format: DiscoveryFormat;
  createdAt: string;
  run: string;
  grouping?: GroupingInfo;
  options: TreeOptions & {
    groupBy: GroupBy;
    validation: {
      kind: 'split' | 'random' | 'kfold' | 'none';
      heldOutSplit?: string;
      fraction?: number;
      seed?: number;
      folds?: number;
    };
    compareWith?: string[];
    /** MI tie-breaking noise: 'jitter' (fast, seeded), 'sklearn' (numpy's draws, = sklearn random_state) or 'none'. */
    miNoise?: 'none' | 'jitter' | 'sklearn';
    miSeed?: number;
  };
  groups: GroupResult[];
  summary?: DiscoverySummary;
  /** Wall-clock seconds the discovery took. */
  seconds?: number;
}
