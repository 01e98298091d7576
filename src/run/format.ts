/**
 * The run directory: what `faultline extract` writes and every later stage reads.
 * Documented for users in docs/run-directory.md; bump RUN_FORMAT when a field changes meaning.
 */
export const RUN_FORMAT = 'faultline-run/1';

export const RUN_FILES = {
  manifest: 'run.json',
  classes: 'classes.json',
  samples: 'samples.csv',
  predictions: 'predictions.csv',
  features: 'features.npy',
  skipped: 'skipped.csv',
  discovery: 'discovery.json',
  /** Extraction state while a run is in progress (deleted when complete). */
  progress: 'extract-progress.json',
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
  status: 'in-progress' | 'complete';
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
