/**
 * The end of an extraction: the journal's chunks become the run's tables, the partial feature matrices move into
 * place (without the rows of images that could not be decoded), and run.json is written last.
 */
import { renameSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClassInfo, Dataset, Prediction, Sample, SkippedSample } from '../shared/types.js';
import { FAULTLINE_VERSION } from '../shared/version.js';
import { featureFileName, RUN_FORMAT, RUN_FILES, type FeatureSet, type RunManifest } from '../run/format.js';
import { NpyMatrixReader, NpyMatrixWriter } from '../run/npy.js';
import { featurePath, writeManifest, writeRunTables } from '../run/write.js';
import { imageLibraryVersions } from '../image/preprocess.js';
import { isSpatialOutput, outputShape, runtimeVersion, type LoadedModel } from '../inference/model.js';
import type { ChunkRecord, Journal, PartialState } from './journal.js';

export interface ExtractSummary {
  runDir: string;
  samples: number;
  skipped: SkippedSample[];
  top1Accuracy?: number;
  top5Accuracy?: number;
  /** Chunks found finished from an earlier attempt. */
  resumedChunks: number;
  alreadyComplete: boolean;
  seconds: number;
  imagesPerSecond: number;
  warnings: string[];
}

export interface FinalizeInput {
  out: string;
  journal: Journal;
  samples: Sample[];
  classes: ClassInfo[];
  dataset: Dataset;
  done: Map<number, ChunkRecord>;
  state: PartialState;
  inspected?: LoadedModel;
  robust?: LoadedModel;
  /** The inspected and robust models' warnings, in that order. */
  modelWarnings: string[];
  robustOutput?: string;
  givenPredictions?: Map<string, number>;
  predictionsFile?: string;
  inspectedFeatures?: string;
  fingerprint: string;
  chunkSize: number;
  batchSize: number;
  resumedChunks: number;
  seconds: number;
  processedNow: number;
}

export function finalize(f: FinalizeInput): ExtractSummary {
  const n = f.samples.length;
  const { modelWarnings } = f;
  const skippedReason = new Map<number, string>();
  const modelPredictions = new Map<number, Prediction>();
  for (const record of f.done.values()) {
    for (const [row, reason] of record.skipped) skippedReason.set(row, reason);
    for (const [row, prediction, probability, top5] of record.predictions) {
      modelPredictions.set(row, { prediction, probability, top5 });
    }
  }
  const kept: number[] = [];
  for (let row = 0; row < n; row++) if (!skippedReason.has(row)) kept.push(row);
  const skipped: SkippedSample[] = [...skippedReason.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([row, reason]) => ({ id: f.samples[row].id, path: f.samples[row].path, reason }));

  const samples = kept.map((row) => f.samples[row]);
  const predictions: Prediction[] = kept.map((row) => {
    if (f.givenPredictions && !f.inspected) {
      return { prediction: f.givenPredictions.get(f.samples[row].id)!, probability: NaN, top5: [] };
    }
    return modelPredictions.get(row)!;
  });

  // Feature matrices: move into place, dropping the rows of skipped images.
  const features: Record<string, FeatureSet> = {};
  for (const [name, cols] of Object.entries(f.state.cols)) {
    const file = featureFileName(name);
    const source = f.journal.featureFile(name);
    if (skipped.length === 0) renameSync(source, featurePath(f.out, name));
    else compactRows(source, featurePath(f.out, name), kept, cols);
    const model = name === 'robust' ? f.robust! : f.inspected!;
    const output = name === 'robust' ? f.robustOutput! : f.inspectedFeatures!;
    features[name] = {
      file,
      rows: samples.length,
      cols,
      source: name,
      output,
      pooled: isSpatialOutput(model, output),
    };
  }

  const top1 = accuracy(samples, predictions, 1);
  const top5 = f.inspected ? accuracy(samples, predictions, 5) : undefined;
  const createdAt = new Date().toISOString();
  const mapOutput = f.robust?.spec.outputs.featureMap;
  const mapShape = f.robust && mapOutput ? outputShape(f.robust, mapOutput) : undefined;
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    status: 'complete',
    createdAt,
    updatedAt: createdAt,
    dataset: {
      kind: f.dataset.kind,
      source: resolve(f.dataset.source),
      root: resolve(f.dataset.root),
      samples: samples.length,
      skipped: skipped.length,
      classes: f.classes.length,
    },
    preprocessing: { inspected: f.inspected?.spec.preprocess, robust: f.robust?.spec.preprocess },
    models: { inspected: f.inspected?.record, robust: f.robust?.record },
    predictions: {
      inspected: {
        file: RUN_FILES.predictions,
        source: f.inspected ? 'model' : 'file',
        model: f.inspected?.record,
        top1Accuracy: top1,
        top5Accuracy: top5,
      },
    },
    features,
    featureMap:
      mapShape && mapOutput
        ? {
            output: mapOutput,
            channels: Number(mapShape[1]),
            height: Number(mapShape[2]),
            width: Number(mapShape[3]),
          }
        : undefined,
    versions: {
      faultline: FAULTLINE_VERSION,
      node: process.version,
      onnxruntime: runtimeVersion(),
      ...imageLibraryVersions(),
    },
    extract: {
      fingerprint: f.fingerprint,
      chunkSize: f.chunkSize,
      batchSize: f.batchSize,
      seconds: f.seconds,
      ...(modelWarnings.length > 0 ? { warnings: modelWarnings } : {}),
    },
  };

  writeRunTables(f.out, { classes: f.classes, samples, predictions, skipped, root: f.dataset.root });
  // run.json last: its "complete" status is what marks the run as usable.
  writeManifest(f.out, manifest);
  f.journal.remove();

  return {
    runDir: f.out,
    samples: samples.length,
    skipped,
    top1Accuracy: top1,
    top5Accuracy: top5,
    resumedChunks: f.resumedChunks,
    alreadyComplete: false,
    seconds: f.seconds,
    imagesPerSecond: f.seconds > 0 ? f.processedNow / f.seconds : 0,
    warnings: [...modelWarnings, ...f.dataset.warnings],
  };
}

function accuracy(samples: Sample[], predictions: Prediction[], k: number): number {
  if (samples.length === 0) return 0;
  let hits = 0;
  samples.forEach((s, i) => {
    const p = predictions[i];
    if (k === 1 ? p.prediction === s.label : p.top5.slice(0, k).includes(s.label)) hits++;
  });
  return hits / samples.length;
}

/** Copies the kept rows of a .npy matrix into a new file, block by block. */
function compactRows(source: string, target: string, kept: number[], cols: number): void {
  const reader = new NpyMatrixReader(source);
  const tmp = `${target}.tmp`;
  const writer = new NpyMatrixWriter(tmp, kept.length, cols);
  try {
    const block = 4096;
    for (let i = 0; i < kept.length; i += block) {
      writer.writeRows(i, reader.readRowSet(kept.slice(i, i + block)));
    }
    writer.sync();
  } finally {
    reader.close();
    writer.close();
  }
  renameSync(tmp, target);
}
