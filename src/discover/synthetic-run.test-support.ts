/**
 * Writes complete synthetic run directories (the format of src/run/format.ts) for discovery tests and the
 * benchmark: classes.json, samples.csv, predictions.csv (+ extra prediction sets), features.npy, run.json.
 * Features are produced in row chunks so the benchmark's 10 GB file is never held in memory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NpyMatrixWriter } from '../run/npy.js';
import { RUN_FILES, RUN_FORMAT, type RunManifest } from '../run/format.js';
import { writeJson, writePredictions, writeSamples } from '../run/tables.js';
import type { ClassInfo, Prediction, Sample } from '../shared/types.js';

export interface SyntheticSample {
  label: number;
  prediction: number;
  split?: string;
}

export interface SyntheticRunSpec {
  dir: string;
  classNames: string[];
  samples: SyntheticSample[];
  cols: number;
  /** Fills rows [start, start + out.length / cols) of the feature matrix. */
  fillRows: (start: number, out: Float32Array) => void;
  /** Other prediction sets: name -> prediction per sample. */
  extraPredictions?: Record<string, number[]>;
  chunkRows?: number;
}

export function writeSyntheticRun(spec: SyntheticRunSpec): void {
  const { dir, cols } = spec;
  mkdirSync(dir, { recursive: true });
  const root = join(dir, 'images');
  const classes: ClassInfo[] = spec.classNames.map((name, index) => ({ index, name }));
  const samples: Sample[] = spec.samples.map((s, i) => ({
    id: `${classes[s.label].name}/img_${i}.jpg`,
    path: join(root, classes[s.label].name, `img_${i}.jpg`),
    label: s.label,
    labelName: classes[s.label].name,
    split: s.split ?? '',
  }));
  const ids = samples.map((s) => s.id);
  const asPredictions = (p: number[]): Prediction[] =>
    p.map((prediction) => ({ prediction, probability: NaN, top5: [] }));
  writeJson(join(dir, RUN_FILES.classes), classes);
  writeSamples(join(dir, RUN_FILES.samples), samples, root);
  writePredictions(
    join(dir, RUN_FILES.predictions),
    ids,
    asPredictions(spec.samples.map((s) => s.prediction)),
    classes,
  );
  const predictionSets: RunManifest['predictions'] = {
    inspected: {
      file: RUN_FILES.predictions,
      source: 'file',
      top1Accuracy: accuracy(
        spec.samples.map((s) => s.prediction),
        spec.samples,
      ),
    },
  };
  for (const [name, preds] of Object.entries(spec.extraPredictions ?? {})) {
    const file = `predictions-${name}.csv`;
    writePredictions(join(dir, file), ids, asPredictions(preds), classes);
    predictionSets[name] = { file, source: 'file', top1Accuracy: accuracy(preds, spec.samples) };
  }

  const rows = samples.length;
  const writer = new NpyMatrixWriter(join(dir, RUN_FILES.features), rows, cols);
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
      kind: 'manifest',
      source: 'synthetic',
      root,
      samples: rows,
      skipped: 0,
      classes: classes.length,
    },
    preprocessing: {},
    models: {},
    predictions: predictionSets,
    features: {
      robust: { file: RUN_FILES.features, rows, cols, source: 'robust', output: 'synthetic', pooled: true },
    },
    versions: {},
  };
  writeJson(join(dir, RUN_FILES.manifest), manifest);
}

function accuracy(predictions: number[], samples: SyntheticSample[]): number {
  let right = 0;
  predictions.forEach((p, i) => (right += p === samples[i].label ? 1 : 0));
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
