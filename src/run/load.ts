/** Opening a finished run directory for the later stages (discover, explain, serve). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassInfo, Prediction, Sample, SkippedSample } from '../shared/types.js';
import { FaultlineError, fileError } from '../shared/errors.js';
import { RUN_FILES, RUN_FORMAT, type RunManifest } from './format.js';
import { readJson, readPredictions, readSamples, readSkipped } from './tables.js';
import { NpyMatrixReader } from './npy.js';

export interface Run {
  dir: string;
  manifest: RunManifest;
  classes: ClassInfo[];
  samples: Sample[];
  skipped: SkippedSample[];
  /** Loads a prediction set by name ("inspected" = predictions.csv). */
  predictions(name?: string): Prediction[];
  /** Opens a feature set by name ("robust" = features.npy) for row-range reads. Caller closes it. */
  openFeatures(name?: string): NpyMatrixReader;
}

export function loadRun(dir: string): Run {
  const manifestFile = join(dir, RUN_FILES.manifest);
  if (!existsSync(manifestFile))
    throw new FaultlineError(`${dir}: not a faultline run (no ${RUN_FILES.manifest})`);
  const manifest = readJson<RunManifest>(manifestFile);
  if (manifest.format !== RUN_FORMAT) {
    throw fileError(
      manifestFile,
      `unsupported run format "${manifest.format}" (this faultline reads ${RUN_FORMAT})`,
    );
  }
  if (manifest.status !== 'complete') {
    throw fileError(
      manifestFile,
      'the run is not complete; rerun the same `faultline extract` command to resume it',
    );
  }
  const classes = readJson<ClassInfo[]>(join(dir, RUN_FILES.classes));
  const samples = readSamples(join(dir, RUN_FILES.samples), manifest.dataset.root);
  const skipped = readSkipped(join(dir, RUN_FILES.skipped), manifest.dataset.root);
  const ids = samples.map((s) => s.id);
  const predictionCache = new Map<string, Prediction[]>();

  return {
    dir,
    manifest,
    classes,
    samples,
    skipped,
    predictions(name = 'inspected') {
      const set = manifest.predictions[name];
      if (!set) {
        throw new FaultlineError(
          `run has no prediction set "${name}" (available: ${Object.keys(manifest.predictions).join(', ') || 'none'})`,
        );
      }
      let preds = predictionCache.get(name);
      if (!preds) {
        preds = readPredictions(join(dir, set.file), ids, classes.length);
        predictionCache.set(name, preds);
      }
      return preds;
    },
    openFeatures(name = 'robust') {
      const set = manifest.features[name];
      if (!set) {
        throw new FaultlineError(
          `run has no feature set "${name}" (available: ${Object.keys(manifest.features).join(', ') || 'none'})`,
        );
      }
      const reader = new NpyMatrixReader(join(dir, set.file));
      if (reader.rows !== samples.length) {
        reader.close();
        throw fileError(
          join(dir, set.file),
          `has ${reader.rows} rows but the sample table has ${samples.length}`,
        );
      }
      return reader;
    },
  };
}
