/**
 * The run directory: what `faultline extract` writes and every later stage reads.
 * This module and run/write.ts are the contract: every file name of a run is here, every writer goes through
 * run/write.ts, every reader through run/load.ts. Documented for users in docs/run-directory.md; bump RUN_FORMAT
 * when a field changes meaning.
 */
import { join } from 'node:path';

export const RUN_FORMAT = 'faultline-run/1';

export const RUN_FILES = {
  manifest: 'run.json',
  classes: 'classes.json',
  samples: 'samples.csv',
  predictions: 'predictions.csv',
  features: 'features.npy',
  skipped: 'skipped.csv',
  discovery: 'discovery.json',
  /** Extraction state while extraction runs (removed when the run completes): see extract/journal.ts. */
  partial: '.partial',
  /** The explain stage's pictures: visuals/<group key>/feature-<j>/ (see visualsFolder). */
  visuals: 'visuals',
  /** The naming study's SQLite database. */
  database: 'faultline.db',
} as const;

export interface PreprocessSpec {
  /** 'crop': resize the shorter side to `resize`, then center-crop `width` x `height`. 'resize': squash to size. */
  mode: 'crop' | 'resize';
  resize?: number;
  width: number;
  height: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface ModelRecord {
  /** Path as given by the user (absolute). */
  path: string;
  sha256: string;
  bytes: number;
  /** Spec file used, if any. */
  spec?: string;
  input: string;
  outputs: Record<string, string>;
}

/** A matrix of per-sample features stored in the run. */
export interface FeatureSet {
  /** File name inside the run directory. */
  file: string;
  rows: number;
  cols: number;
  /** Which model produced it ('robust', 'inspected', 'random', ...). */
  source: string;
  /** ONNX output / node name the values came from. */
  output: string;
  /** True when a spatial map was global-average-pooled into one value per channel. */
  pooled: boolean;
}

/** Another model's predictions on the same samples, for model comparison. */
export interface PredictionSet {
  file: string;
  source: 'model' | 'file';
  model?: ModelRecord;
  top1Accuracy: number;
  top5Accuracy?: number;
}

export interface RunManifest {
  format: typeof RUN_FORMAT;
  /** Only complete runs are ever written: run.json is written last, when extraction has finished. */
  status: 'complete';
  createdAt: string;
  updatedAt: string;
  dataset: {
    kind: string;
    source: string;
    /** Image paths in samples.csv are relative to this root. */
    root: string;
    samples: number;
    skipped: number;
    classes: number;
  };
  preprocessing: { inspected?: PreprocessSpec; robust?: PreprocessSpec };
  models: { inspected?: ModelRecord; robust?: ModelRecord };
  /** Default prediction set is "inspected" (predictions.csv). */
  predictions: Record<string, PredictionSet>;
  /** Default feature set is "robust" (features.npy). */
  features: Record<string, FeatureSet>;
  /** The robust model's spatial map output, computed on demand for the few images shown. */
  featureMap?: { output: string; channels: number; height: number; width: number };
  versions: Record<string, string>;
  /** How the run was extracted; the fingerprint lets a rerun of the same command recognise finished work. */
  extract?: {
    fingerprint: string;
    chunkSize: number;
    batchSize: number;
    seconds: number;
    /** What the models warned about on the extracting machine (e.g. int8 saturation), when anything. */
    warnings?: string[];
  };
}

/** File name of a feature set inside the run: "robust" is features.npy, any other name features.<name>.npy. */
export function featureFileName(name: string): string {
  return name === 'robust' ? RUN_FILES.features : `features.${name}.npy`;
}

/** The folder holding one feature's pictures for one group: <run>/visuals/<group key>/feature-<j>. */
export function visualsFolder(runDir: string, groupKey: string, feature: number): string {
  return join(runDir, RUN_FILES.visuals, groupKey, `feature-${feature}`);
}

/** File names inside a visuals folder (rank is 1-based). */
export const VISUAL_FILES = {
  top: (rank: number): string => `top-${rank}.png`,
  heatmap: (rank: number): string => `heatmap-${rank}.png`,
  attack: (rank: number): string => `attack-${rank}.png`,
  sheet: 'sheet.png',
  record: 'visual.json',
} as const;

/** The only file names a visuals folder may hold (matched before any file is served or copied). */
export const VISUAL_FILE =
  /^(?:(?:top|heatmap|attack)-\d{1,3}\.(?:png|jpe?g|webp)|sheet\.(?:png|jpe?g|webp)|visual\.json)$/;

/** The study database of a run. */
export function databasePath(runDir: string): string {
  return join(runDir, RUN_FILES.database);
}
