/**
 * The one builder of synthetic run directories for tests and benchmarks. It writes through run/write.ts, the same
 * functions extract uses, so a synthetic run has exactly the files and manifest of a real one: classes.json,
 * samples.csv, predictions.csv (+ extra prediction sets), skipped.csv, features.npy, run.json.
 * Features are produced in row chunks so the benchmark's 10 GB file is never held in memory.
 */
import { join } from 'node:path';
import { NpyMatrixWriter } from '../../src/run/npy.js';
import { RUN_FORMAT, type RunManifest } from '../../src/run/format.js';
import { featurePath, writeManifest, writePredictionSet, writeRunTables } from '../../src/run/write.js';
import type { ClassInfo, Prediction, Sample } from '../../src/shared/types.js';

export interface SyntheticSample {
  label: number;
  prediction: number;
  split?: string;
  /** Default `<label name>/img_<i>.jpg`. */
  id?: string;
  /** Default `<root>/<id>`. */
  path?: string;
  /** Default NaN (predictions from a file). */
  probability?: number;
  top5?: number[];
}

export interface SyntheticRunSpec {
  dir: string;
  /** Class names (index = position), or whole class records. */
  classNames?: string[];
  classes?: ClassInfo[];
  samples: SyntheticSample[];
  cols: number;
  /** Fills rows [start, start + out.length / cols) of the feature matrix. */
  fillRows: (start: number, out: Float32Array) => void;
  /** Other prediction sets: name -> prediction per sample (or whole predictions). */
  extraPredictions?: Record<string, number[] | Prediction[]>;
  chunkRows?: number;
  /** Dataset root that sample paths are relative to (default <dir>/images). */
  root?: string;
  /** The manifest's dataset kind and source (default 'manifest', 'synthetic'). */
  dataset?: { kind: string; source: string };
  /** The robust feature set's output name (default 'synthetic'). */
  featuresOutput?: string;
  /** Changes to the manifest before it is written (e.g. a robust model record for explain tests). */
  manifest?: (manifest: RunManifest) => void;
}

export interface WrittenSyntheticRun {
  classes: ClassInfo[];
  samples: Sample[];
  predictions: Prediction[];
}

export function writeSyntheticRun(spec: SyntheticRunSpec): WrittenSyntheticRun {
  const { dir, cols } = spec;
  const root = spec.root ?? join(dir, 'images');
  const classes: ClassInfo[] =
    spec.classes ?? (spec.classNames ?? []).map((name, index) => ({ index, name }));
  const samples: Sample[] = spec.samples.map((s, i) => {
    const id = s.id ?? `${classes[s.label].name}/img_${i}.jpg`;
    return {
      id,
      path: s.path ?? join(root, id),
      label: s.label,
      labelName: classes[s.label].name,
      split: s.split ?? '',
    };
  });
  const predictions: Prediction[] = spec.samples.map((s) => ({
    prediction: s.prediction,
    probability: s.probability ?? NaN,
    top5: s.top5 ?? [],
  }));
  writeRunTables(dir, { classes, samples, predictions, skipped: [], root });
  const predictionSets: RunManifest['predictions'] = {
    inspected: { file: 'predictions.csv', source: 'file', top1Accuracy: accuracy(predictions, samples) },
  };
  for (const [name, given] of Object.entries(spec.extraPredictions ?? {})) {
    const preds: Prediction[] = given.map((p: number | Prediction) =>
      typeof p === 'number' ? { prediction: p, probability: NaN, top5: [] } : p,
    );
    const file = writePredictionSet(dir, name, samples, preds, classes);
    predictionSets[name] = { file, source: 'file', top1Accuracy: accuracy(preds, samples) };
  }

  const rows = samples.length;
  const writer = new NpyMatrixWriter(featurePath(dir, 'robust'), rows, cols);
  const chunk = spec.chunkRows ?? 1024;
  for (let start = 0; start < rows; start += chunk) {
    const out = new Float32Array(Math.min(chunk, rows - start) * cols);
    spec.fillRows(start, out);
    writer.writeRows(start, out);
  }
  writer.close();

  const now = new Date().toISOString();
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    status: 'complete',
    createdAt: now,
    updatedAt: now,
    dataset: {
      kind: spec.dataset?.kind ?? 'manifest',
      source: spec.dataset?.source ?? 'synthetic',
      root,
      samples: rows,
      skipped: 0,
      classes: classes.length,
    },
    preprocessing: {},
    models: {},
    predictions: predictionSets,
    features: {
      robust: {
        file: 'features.npy',
        rows,
        cols,
        source: 'robust',
        output: spec.featuresOutput ?? 'synthetic',
        pooled: true,
      },
    },
    versions: {},
  };
  spec.manifest?.(manifest);
  writeManifest(dir, manifest);
  return { classes, samples, predictions };
}

function accuracy(predictions: Prediction[], samples: Sample[]): number {
  let right = 0;
  predictions.forEach((p, i) => (right += p.prediction === samples[i].label ? 1 : 0));
  return samples.length === 0 ? 0 : right / samples.length;
}

/** Small deterministic PRNG (mulberry32) for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
