/**
 * Stage records shared by every part of faultline (ingest -> extract -> discover -> explain -> study/serve).
 * The on-disk run directory (see docs/run-directory.md) stores exactly these records.
 */

export type Split = 'train' | 'val' | 'test' | string;

/** One class of the label space a run is analysed in. */
export interface ClassInfo {
  /** Index in the label space (for ImageNet models: 0-999 in torchvision/Keras order). */
  index: number;
  /** Human-readable name, e.g. "water_jug". */
  name: string;
  /** WordNet id when known, e.g. "n04560804". */
  wnid?: string;
}

/** One row of the sample table. Row position in the table = row in features.npy. */
export interface Sample {
  /** Stable id: the path relative to the dataset root, with forward slashes. */
  id: string;
  /** Absolute path of the image file. */
  path: string;
  /** Label index in the run's label space. */
  label: number;
  labelName: string;
  /** Split from the dataset layout or manifest; '' when the dataset has none. */
  split: Split;
}

/** A prediction that came with the dataset (manifest / metadata.csv) instead of from a model. */
export interface GivenPrediction {
  id: string;
  prediction: number;
}

export type DatasetKind = 'folder' | 'imagenet' | 'manifest' | 'barlow-metadata';

/** What an ingest reader returns. */
export interface Dataset {
  kind: DatasetKind;
  /** Directory that image paths are resolved against (and the only place the server may serve files from). */
  root: string;
  /** The file or directory the user pointed at. */
  source: string;
  classes: ClassInfo[];
  samples: Sample[];
  /** Predictions read from the dataset itself (metadata.csv, manifest column), aligned with samples by id. */
  predictions?: GivenPrediction[];
  /** Problems that did not stop ingestion (e.g. unreadable manifest rows), to be shown to the user. */
  warnings: string[];
}

/** Per-sample output of the inspected model. */
export interface Prediction {
  /** Top-1 class index. */
  prediction: number;
  /** Softmax probability of the top-1 class (NaN when predictions came from a file). */
  probability: number;
  /** Top-5 class indices, best first (empty when predictions came from a file). */
  top5: number[];
}

/** A sample that could not be used, with the reason. */
export interface SkippedSample {
  id: string;
  path: string;
  reason: string;
}
