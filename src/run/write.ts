/**
 * The write side of the run directory: every stage that adds to a run (extract, `faultline features`, the demo,
 * test builders) writes through these functions, so file names and the manifest's bookkeeping live in one place.
 * run.json is always written last and atomically: a run is usable only once its manifest says "complete".
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassInfo, Prediction, Sample, SkippedSample } from '../shared/types.js';
import { featureFileName, RUN_FILES, type FeatureSet, type RunManifest } from './format.js';
import { readJson, writeJson, writePredictions, writeSamples, writeSkipped } from './tables.js';
import { writeNpyMatrix } from './npy.js';

/** Absolute path of feature set `name` in a run (whether or not it exists yet). */
export function featurePath(runDir: string, name: string): string {
  return join(runDir, featureFileName(name));
}

/** File name of an extra prediction set (the default set "inspected" is predictions.csv). */
export function predictionFileName(name: string): string {
  return name === 'inspected' ? RUN_FILES.predictions : `predictions-${name}.csv`;
}

/** Reads run.json as it is on disk, without the checks of loadRun (for writers that update it). */
export function readManifest(runDir: string): RunManifest {
  return readJson<RunManifest>(join(runDir, RUN_FILES.manifest));
}

/** Writes run.json (atomically). Call it last: its "complete" status is what marks a run as usable. */
export function writeManifest(runDir: string, manifest: RunManifest): void {
  writeJson(join(runDir, RUN_FILES.manifest), manifest);
}

export interface RunTables {
  classes: ClassInfo[];
  samples: Sample[];
  /** One per sample, same order (the "inspected" prediction set). */
  predictions: Prediction[];
  skipped: SkippedSample[];
  /** Dataset root: image paths are stored relative to it. */
  root: string;
}

/** classes.json, samples.csv, predictions.csv and skipped.csv of a run. */
export function writeRunTables(runDir: string, t: RunTables): void {
  mkdirSync(runDir, { recursive: true });
  writeJson(join(runDir, RUN_FILES.classes), t.classes);
  writeSamples(join(runDir, RUN_FILES.samples), t.samples, t.root);
  writePredictions(
    join(runDir, RUN_FILES.predictions),
    t.samples.map((s) => s.id),
    t.predictions,
    t.classes,
  );
  writeSkipped(join(runDir, RUN_FILES.skipped), t.skipped, t.root);
}

/** Writes an extra prediction set's table and returns its file name (to record in the manifest). */
export function writePredictionSet(
  runDir: string,
  name: string,
  samples: Sample[],
  predictions: Prediction[],
  classes: ClassInfo[],
): string {
  const file = predictionFileName(name);
  writePredictions(
    join(runDir, file),
    samples.map((s) => s.id),
    predictions,
    classes,
  );
  return file;
}

/**
 * Registers feature set `name` in an existing run: moves `matrixFile` (a finished .npy written elsewhere, e.g.
 * next to the target while it was filled) into place as features.<name>.npy and records `set` in run.json.
 */
export function addFeatureSet(
  runDir: string,
  name: string,
  matrixFile: string,
  set: Omit<FeatureSet, 'file'>,
): FeatureSet {
  const file = featureFileName(name);
  const target = join(runDir, file);
  if (matrixFile !== target) {
    if (existsSync(target)) rmSync(target);
    renameSync(matrixFile, target);
  }
  const manifest = readManifest(runDir);
  const entry: FeatureSet = { file, ...set };
  writeManifest(runDir, {
    ...manifest,
    updatedAt: new Date().toISOString(),
    features: { ...manifest.features, [name]: entry },
  });
  return entry;
}

/** Writes a whole in-memory feature matrix as feature set `name` and registers it in run.json. */
export function writeFeatureSet(
  runDir: string,
  name: string,
  data: Float32Array,
  set: Omit<FeatureSet, 'file'>,
): FeatureSet {
  const target = featurePath(runDir, name);
  const tmp = `${target}.partial`;
  writeNpyMatrix(tmp, data, set.rows, set.cols);
  return addFeatureSet(runDir, name, tmp, set);
}
