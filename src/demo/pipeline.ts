/**
 * The demo's steps as library functions (used by `npm run demo` and `npm run bench:planted`): make sure the
 * evaluation scenes exist, extract a run with the committed demo models, add a random-feature baseline, and join
 * the run with the scenes' ground truth. Throws, never prints; progress goes to a ProgressSink.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { extractRun, type ExtractSummary } from '../extract/extract.js';
import { sha256File } from '../inference/model.js';
import { RUN_FILES } from '../run/format.js';
import { loadRun, type Run } from '../run/load.js';
import { readCsvRecords } from '../run/tables.js';
import { readManifest, writeFeatureSet } from '../run/write.js';
import { silentProgress, type ProgressSink } from '../shared/progress.js';
import { FaultlineError } from '../shared/errors.js';
import { DEMO_DATASETS, DEMO_IMAGE_SIZE } from './config.js';
import { generateDataset, isDatasetComplete } from './dataset.js';
import { Prng } from './prng.js';
import type { SampleTruth } from './slices.js';

/** Where the committed demo models live, relative to the package root. */
export const DEMO_MODELS = {
  inspected: join('models', 'demo', 'inspected.onnx'),
  robust: join('models', 'demo', 'robust.onnx'),
} as const;

export const DEMO_CACHE = join('.cache', 'demo');

/**
 * The failure trees the demo shows: depth 2 (min 5 images per leaf), the method's balanced class weight. At
 * depth 1 a class has a single failure leaf, one threshold on one feature, which rarely isolates a slice without
 * also taking in the class's other failures (bench:planted measures both depths).
 */
export const DEMO_TREE = { depth: 2, minLeaf: 5 } as const;

/** Generates the balanced evaluation scenes unless a complete copy is already cached; returns its root. */
export async function ensureEvalData(
  cacheDir: string,
  progress: ProgressSink = silentProgress,
): Promise<string> {
  const recipe = DEMO_DATASETS.evalBalanced;
  const root = resolve(cacheDir, recipe.name);
  if (!isDatasetComplete(root)) {
    await generateDataset(root, {
      ...recipe,
      size: DEMO_IMAGE_SIZE,
      onImage: (done, total) => progress.update(done, total),
    });
    progress.stop();
  }
  return root;
}

/** Extracts (or resumes / reuses) the demo run: inspected predictions + features, robust features. */
export async function extractDemoRun(
  dataRoot: string,
  runDir: string,
  packageRoot: string,
  progress: ProgressSink = silentProgress,
): Promise<ExtractSummary> {
  for (const f of Object.values(DEMO_MODELS)) {
    if (!existsSync(join(packageRoot, f)))
      throw new FaultlineError(`${f}: demo model missing from the package`);
  }
  // A run extracted with other model files (e.g. after retraining) is started over, not resumed.
  if (existsSync(join(runDir, RUN_FILES.manifest))) {
    const manifest = readManifest(runDir);
    const same = await Promise.all(
      (['inspected', 'robust'] as const).map(
        async (role) =>
          manifest.models[role]?.sha256 === (await sha256File(join(packageRoot, DEMO_MODELS[role]))),
      ),
    );
    if (!same.every(Boolean)) rmSync(runDir, { recursive: true, force: true });
  }
  return extractRun(
    {
      data: dataRoot,
      kind: 'folder',
      out: runDir,
      model: join(packageRoot, DEMO_MODELS.inspected),
      robust: join(packageRoot, DEMO_MODELS.robust),
      inspectedFeatures: 'features',
      batchSize: 32,
      chunkSize: 256,
      threads: 2,
    },
    progress,
  );
}

/**
 * Adds feature set "random": seeded Gaussian noise with as many columns as the robust features — the floor any
 * real feature set must beat (a failure tree on noise should recover nothing).
 */
export function addRandomFeatures(runDir: string, seed = 12345): void {
  const manifest = readManifest(runDir);
  if (manifest.features.random) return;
  const robust = manifest.features.robust;
  if (!robust)
    throw new FaultlineError(`${runDir}: run has no robust features to size the random baseline on`);
  const rng = new Prng(seed);
  const data = new Float32Array(robust.rows * robust.cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  writeFeatureSet(runDir, 'random', data, {
    rows: robust.rows,
    cols: robust.cols,
    source: 'random',
    output: `gaussian(seed=${seed})`,
    pooled: false,
  });
}

/** The run's samples joined with attributes.csv of the scenes, plus the inspected model's failure flags. */
export function loadTruth(run: Run, dataRoot: string): SampleTruth[] {
  const file = join(dataRoot, 'attributes.csv');
  const byId = new Map(readCsvRecords(file).map((r) => [r.id, r]));
  const preds = run.predictions('inspected');
  return run.samples.map((s, i) => {
    const a = byId.get(s.id);
    if (!a) throw new FaultlineError(`${file}: no attributes for sample "${s.id}"`);
    const attributes = {
      ...a,
      blurred: Number(a.blur) > 0 ? '1' : '0',
      noisy: Number(a.noise) > 0 ? '1' : '0',
    };
    return { id: s.id, label: s.label, failed: preds[i].prediction !== s.label, attributes };
  });
}

export { loadRun };
