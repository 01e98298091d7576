/**
 * `faultline features`: add another feature set to a finished run — another model's (pooled) features, e.g. a
 * non-robust network as a baseline, or seeded random features as the chance baseline. The new matrix is written
 * next to features.npy and registered in run.json, so `discover --features <name>` can use it.
 */
import { rmSync } from 'node:fs';
import type { FeatureSet } from '../run/format.js';
import { loadRun } from '../run/load.js';
import { NpyMatrixWriter } from '../run/npy.js';
import { addFeatureSet as registerFeatureSet, featurePath } from '../run/write.js';
import { FaultlineError, invalidOption } from '../shared/errors.js';
import { silentProgress, type ProgressSink } from '../shared/progress.js';
import { loadImageRgb, toInputTensor, type RgbImage } from '../image/preprocess.js';
import { closeModel, globalAveragePool, isSpatialOutput, loadModel, runBatch } from '../inference/model.js';
import { Prefetcher } from './prefetch.js';

export const ADD_FEATURES_DEFAULTS = { seed: 0, batchSize: 8 } as const;

export interface AddFeaturesOptions {
  run: string;
  /** Name of the new feature set (file features.<name>.npy). */
  name: string;
  /** Model to take features from... */
  model?: string;
  modelSpec?: string;
  /** ...from this output (default: the spec's/auto-detected features, else the feature map, pooled). */
  output?: string;
  preprocess?: 'crop' | 'resize';
  /** ...or this many seeded random features per sample (uniform in [0, 1)). */
  random?: number;
  seed?: number;
  batchSize?: number;
  threads?: number;
  /** Replace an existing feature set of the same name. */
  force?: boolean;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,40}$/;

/** A small, fast, seedable generator (sfc32) so random baselines are reproducible across platforms. */
export function seededUniform(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export async function addFeatureSet(
  opts: AddFeaturesOptions,
  progress: ProgressSink = silentProgress,
): Promise<FeatureSet> {
  if (!NAME.test(opts.name)) throw invalidOption('name', 'lowercase letters, digits, - or _', opts.name);
  if ((opts.model === undefined) === (opts.random === undefined)) {
    throw new FaultlineError('give exactly one of --model <onnx> or --random <D>');
  }
  const run = loadRun(opts.run);
  if (run.manifest.features[opts.name] && !opts.force) {
    throw new FaultlineError(`run already has a feature set "${opts.name}"; pass --force to replace it`);
  }
  const tmp = `${featurePath(run.dir, opts.name)}.partial`;
  const n = run.samples.length;
  let set: Omit<FeatureSet, 'file'>;

  if (opts.random !== undefined) {
    if (!Number.isInteger(opts.random) || opts.random <= 0)
      throw invalidOption('random', 'a positive integer', opts.random);
    const cols = opts.random;
    const rand = seededUniform(opts.seed ?? ADD_FEATURES_DEFAULTS.seed);
    const writer = new NpyMatrixWriter(tmp, n, cols);
    const block = 1024;
    for (let start = 0; start < n; start += block) {
      const rows = Math.min(block, n - start);
      const data = new Float32Array(rows * cols);
      for (let i = 0; i < data.length; i++) data[i] = rand();
      writer.writeRows(start, data);
      progress.update(start + rows, n);
    }
    writer.close();
    set = {
      rows: n,
      cols,
      source: `random(seed=${opts.seed ?? ADD_FEATURES_DEFAULTS.seed})`,
      output: 'uniform[0,1)',
      pooled: false,
    };
  } else {
    const model = await loadModel(opts.model!, {
      spec: opts.modelSpec,
      role: 'robust',
      featuresOutput: opts.output,
      preprocess: opts.preprocess,
      threads: opts.threads,
    });
    const output = model.spec.outputs.features ?? model.spec.outputs.featureMap!;
    const batch = opts.batchSize ?? ADD_FEATURES_DEFAULTS.batchSize;
    const spec = model.spec.preprocess;
    const prefetch = new Prefetcher<RgbImage | Error>(n, batch * 3, (i) =>
      loadImageRgb(run.samples[i].path, spec).catch((e: Error) => e),
    );
    let writer: NpyMatrixWriter | undefined;
    let cols = 0;
    try {
      for (let start = 0; start < n; start += batch) {
        const rows = Array.from({ length: Math.min(batch, n - start) }, (_, i) => start + i);
        const images = await Promise.all(rows.map((r) => prefetch.get(r)));
        const bad = images.findIndex((img) => img instanceof Error);
        if (bad >= 0) {
          // The run's samples all decoded during extract; failing now means the dataset changed underneath.
          throw new FaultlineError(
            `${run.samples[rows[bad]].path}: cannot decode an image the run was extracted from ` +
              `(${(images[bad] as Error).message}); re-extract the run`,
          );
        }
        const result = await runBatch(model, toInputTensor(images as RgbImage[], spec), rows.length, [
          output,
        ]);
        const pooled = globalAveragePool(result[output]);
        if (!writer) {
          cols = pooled.dims[1];
          writer = new NpyMatrixWriter(tmp, n, cols);
        }
        writer.writeRows(start, pooled.data);
        progress.update(start + rows.length, n);
      }
    } catch (e) {
      writer?.close();
      rmSync(tmp, { force: true });
      throw e;
    } finally {
      progress.stop();
    }
    writer!.close();
    set = {
      rows: n,
      cols,
      source: `${opts.name} (${model.record.path}, sha256 ${model.record.sha256.slice(0, 12)})`,
      output,
      pooled: isSpatialOutput(model, output),
    };
    await closeModel(model);
  }

  return registerFeatureSet(run.dir, opts.name, tmp, set);
}
