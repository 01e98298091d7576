/**
 * `faultline extract`: dataset + models -> run directory (sample table, predictions, features.npy, run.json).
 *
 * Work is done in fixed chunks of samples. After each chunk its feature rows are flushed to a preallocated .npy
 * and one line (its predictions and skipped images) is appended to a journal, so a crash or Ctrl-C loses at most
 * one chunk and rerunning the same command resumes. Batches depend only on the chunk's content, so a resumed
 * run produces exactly the bytes of an uninterrupted one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClassInfo, Dataset } from '../shared/types.js';
import { FaultlineError } from '../shared/errors.js';
import { silentProgress, type ProgressSink } from '../shared/progress.js';
import { RUN_FILES, type PreprocessSpec } from '../run/format.js';
import { NpyMatrixWriter } from '../run/npy.js';
import { readManifest } from '../run/write.js';
import { loadImageRgb, toInputTensor, type RgbImage } from '../image/preprocess.js';
import { classify, globalAveragePool, loadModel, logitsWidth, runBatch } from '../inference/model.js';
import { ingestDataset, imagenetClasses, readClassMap } from '../ingest/index.js';
import { extractFingerprint } from './fingerprint.js';
import { finalize, type ExtractSummary } from './finalize.js';
import { Journal, type ChunkRecord, type PartialState } from './journal.js';
import { Prefetcher } from './prefetch.js';
import { readPredictionFile } from './prediction-file.js';

export type { ExtractSummary };

export const EXTRACT_DEFAULTS = { batchSize: 8, chunkSize: 256 } as const;

export interface ExtractOptions {
  /** Image folder, ImageNet-layout folder, manifest (.csv/.jsonl) or Barlow metadata.csv. */
  data: string;
  /** Run directory to write. */
  out: string;
  /** The inspected classifier (ONNX). Either this or predictions (file, or in the dataset) is required. */
  model?: string;
  modelSpec?: string;
  /** Preprocessing override for the inspected model. */
  preprocess?: 'crop' | 'resize';
  /** Predictions file (CSV: id or path, prediction as class name or index) instead of running a model. */
  predictions?: string;
  /** The robust feature extractor (ONNX). */
  robust?: string;
  robustSpec?: string;
  /** Preprocessing override for the robust model (default: its spec's, else crop). */
  robustPreprocess?: 'crop' | 'resize';
  /** Output (any node output name) to take the robust features from; 4-D outputs are average-pooled. */
  robustOutput?: string;
  /** Also store the inspected model's own features from this output as feature set "inspected" (a baseline). */
  inspectedFeatures?: string;
  /** Only this split of the dataset. */
  split?: string;
  /** A class map file (Keras imagenet_class_index.json or LOC_synset_mapping.txt) defining the label space. */
  classMap?: string;
  /** For manifests: directory that relative image paths resolve against (default: the manifest's directory). */
  root?: string;
  /** Force a dataset reader. */
  kind?: 'folder' | 'imagenet' | 'manifest' | 'barlow-metadata';
  /** Only the first N samples (after sorting), for quick looks. */
  limit?: number;
  batchSize?: number;
  chunkSize?: number;
  /** Images decoded ahead of inference. */
  prefetch?: number;
  threads?: number;
  /** Start over even if the out directory holds another run. */
  force?: boolean;
  /** Called before each chunk; throwing stops the run (tests use it to simulate a crash). */
  onChunk?: (chunk: number) => void;
  /** Called at once for each model warning (they are also in the summary), so a long run can be stopped early. */
  onWarning?: (warning: string) => void;
}

type Decoded = { ok: true; inspected?: RgbImage; robust?: RgbImage } | { ok: false; reason: string };

function sameGeometry(a: PreprocessSpec, b: PreprocessSpec): boolean {
  return a.mode === b.mode && a.width === b.width && a.height === b.height && a.resize === b.resize;
}

function describeError(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0];
}

export async function extractRun(
  opts: ExtractOptions,
  progress: ProgressSink = silentProgress,
): Promise<ExtractSummary> {
  const t0 = Date.now();
  const out = resolve(opts.out);
  const batchSize = opts.batchSize ?? EXTRACT_DEFAULTS.batchSize;
  const chunkSize = opts.chunkSize ?? EXTRACT_DEFAULTS.chunkSize;
  if (chunkSize % batchSize !== 0) {
    throw new FaultlineError(`chunk size ${chunkSize} must be a multiple of the batch size ${batchSize}`);
  }
  if (!opts.model && !opts.predictions && !opts.robust) {
    throw new FaultlineError('nothing to extract: give --model (and/or --predictions) and --robust');
  }

  const inspected = opts.model
    ? await loadModel(opts.model, {
        spec: opts.modelSpec,
        role: 'inspected',
        preprocess: opts.preprocess,
        featuresOutput: opts.inspectedFeatures,
        threads: opts.threads,
      })
    : undefined;
  const robust = opts.robust
    ? await loadModel(opts.robust, {
        spec: opts.robustSpec,
        role: 'robust',
        preprocess: opts.robustPreprocess,
        featuresOutput: opts.robustOutput,
        threads: opts.threads,
      })
    : undefined;

  const modelWarnings = [...(inspected?.warnings ?? []), ...(robust?.warnings ?? [])];
  for (const w of modelWarnings) opts.onWarning?.(w);

  // The label space is the inspected model's: its spec's classes, or ImageNet's for a 1000-way classifier.
  let labelSpace: ClassInfo[] | undefined = opts.classMap
    ? readClassMap(opts.classMap)
    : inspected?.spec.classes;
  if (!labelSpace && inspected && logitsWidth(inspected) === 1000) labelSpace = imagenetClasses();
  const dataset: Dataset = await ingestDataset(opts.data, {
    classes: labelSpace,
    split: opts.split,
    kind: opts.kind,
    root: opts.root,
  });
  let samples = dataset.samples;
  if (opts.limit !== undefined) samples = samples.slice(0, opts.limit);
  if (samples.length === 0) throw new FaultlineError(`${opts.data}: the dataset has no images`);
  const classes = dataset.classes;
  if (inspected) {
    const k = logitsWidth(inspected);
    if (k !== undefined && k !== classes.length) {
      throw new FaultlineError(
        `${inspected.path}: the model has ${k} outputs but the label space has ${classes.length} classes; ` +
          'list the model classes in its spec (classes)',
      );
    }
  }

  // Predictions that do not come from the model: a file, or the dataset itself (metadata.csv, manifests).
  let givenPredictions: Map<string, number> | undefined;
  if (opts.predictions)
    givenPredictions = readPredictionFile(opts.predictions, samples, classes, dataset.root);
  else if (!inspected && dataset.predictions) {
    givenPredictions = new Map(dataset.predictions.map((p) => [p.id, p.prediction]));
  }
  if (!inspected && !givenPredictions) {
    throw new FaultlineError(
      `${opts.data}: no predictions: give --model <inspected.onnx> or --predictions <csv>`,
    );
  }
  if (givenPredictions) {
    const missing = samples.find((s) => !givenPredictions.has(s.id));
    if (missing) {
      throw new FaultlineError(`${opts.predictions ?? opts.data}: no prediction for sample "${missing.id}"`);
    }
  }

  const fingerprint = extractFingerprint({
    samples,
    inspected: inspected && { sha256: inspected.record.sha256, spec: inspected.spec },
    inspectedFeatures: opts.inspectedFeatures,
    robust: robust && { sha256: robust.record.sha256, spec: robust.spec },
    givenPredictions,
    chunkSize,
    batchSize,
  });

  if (existsSync(join(out, RUN_FILES.manifest)) && !opts.force) {
    const existing = readManifest(out);
    if (existing.status === 'complete' && existing.extract?.fingerprint === fingerprint) {
      return {
        runDir: out,
        samples: existing.dataset.samples,
        skipped: [],
        top1Accuracy: existing.predictions.inspected?.top1Accuracy,
        top5Accuracy: existing.predictions.inspected?.top5Accuracy,
        resumedChunks: 0,
        alreadyComplete: true,
        seconds: 0,
        imagesPerSecond: 0,
        warnings: modelWarnings,
      };
    }
    throw new FaultlineError(`${out} already holds a different run; choose another --out or pass --force`);
  }

  const journal = new Journal(out);
  let state: PartialState | undefined;
  if (journal.hasState() && !opts.force) {
    state = journal.readState();
    if (state.fingerprint !== fingerprint) {
      throw new FaultlineError(
        `${out} holds an unfinished extraction of a different dataset/model/settings; ` +
          'rerun that command to finish it, or pass --force to start over',
      );
    }
  } else {
    if (existsSync(out) && readdirSync(out).length > 0 && !opts.force) {
      throw new FaultlineError(`${out} is not empty; choose another --out or pass --force`);
    }
    state = { fingerprint, total: samples.length, chunkSize, batchSize, cols: {} };
    journal.reset(state);
  }

  const done = journal.readChunks();
  const chunkCount = Math.ceil(samples.length / chunkSize);
  const todo: number[] = [];
  for (let c = 0; c < chunkCount; c++) if (!done.has(c)) todo.push(c);
  const rows: number[] = todo.flatMap((c) =>
    range(c * chunkSize, Math.min(samples.length, (c + 1) * chunkSize)),
  );

  const shareDecode = inspected && robust && sameGeometry(inspected.spec.preprocess, robust.spec.preprocess);
  const decode = async (row: number): Promise<Decoded> => {
    const path = samples[row].path;
    try {
      const a = inspected ? await loadImageRgb(path, inspected.spec.preprocess) : undefined;
      const b = robust ? (shareDecode ? a : await loadImageRgb(path, robust.spec.preprocess)) : undefined;
      return { ok: true, inspected: a, robust: b };
    } catch (e) {
      return { ok: false, reason: describeError(e) };
    }
  };
  const prefetch = new Prefetcher(rows.length, opts.prefetch ?? batchSize * 3, (i) => decode(rows[i]));

  const writers = new Map<string, NpyMatrixWriter>();
  const writerFor = (name: string, cols: number): NpyMatrixWriter => {
    let w = writers.get(name);
    if (w) return w;
    const known = state.cols[name];
    if (known !== undefined && known !== cols) {
      throw new FaultlineError(
        `${name} features changed width (${known} -> ${cols}) between attempts; use --force`,
      );
    }
    const file = journal.featureFile(name);
    w = new NpyMatrixWriter(file, samples.length, cols, { resume: known !== undefined && existsSync(file) });
    if (known === undefined) {
      state.cols[name] = cols;
      journal.writeState(state);
    }
    writers.set(name, w);
    return w;
  };

  const robustOutput = robust && (robust.spec.outputs.features ?? robust.spec.outputs.featureMap);
  const inspectedOutputs = inspected
    ? [inspected.spec.outputs.logits!, ...(opts.inspectedFeatures ? [opts.inspectedFeatures] : [])]
    : [];

  let processed = done.size > 0 ? countRows(done, chunkSize, samples.length) : 0;
  progress.update(processed, samples.length);
  let cursor = 0;
  try {
    for (const c of todo) {
      opts.onChunk?.(c);
      const chunkEnd = Math.min(samples.length, (c + 1) * chunkSize);
      const record: ChunkRecord = { chunk: c, predictions: [], skipped: [] };
      for (let start = c * chunkSize; start < chunkEnd; start += batchSize) {
        const batchRows = range(start, Math.min(chunkEnd, start + batchSize));
        const decoded = await Promise.all(batchRows.map(() => prefetch.get(cursor++)));
        const okRows: number[] = [];
        const okImages: Extract<Decoded, { ok: true }>[] = [];
        decoded.forEach((d, i) => {
          if (d.ok) {
            okRows.push(batchRows[i]);
            okImages.push(d);
          } else record.skipped.push([batchRows[i], d.reason]);
        });
        if (okRows.length === 0) continue;
        const [inspectedOut, robustOut] = await Promise.all([
          inspected
            ? runBatch(
                inspected,
                toInputTensor(
                  okImages.map((d) => d.inspected!),
                  inspected.spec.preprocess,
                ),
                okRows.length,
                inspectedOutputs,
              )
            : undefined,
          robust
            ? runBatch(
                robust,
                toInputTensor(
                  okImages.map((d) => d.robust!),
                  robust.spec.preprocess,
                ),
                okRows.length,
                [robustOutput!],
              )
            : undefined,
        ]);
        if (inspectedOut) {
          classify(inspectedOut[inspected!.spec.outputs.logits!]).forEach((p, i) =>
            record.predictions.push([okRows[i], p.prediction, p.probability, p.top5]),
          );
          if (opts.inspectedFeatures)
            writeFeatureRows(writerFor, 'inspected', inspectedOut[opts.inspectedFeatures], okRows);
        }
        if (robustOut) writeFeatureRows(writerFor, 'robust', robustOut[robustOutput!], okRows);
      }
      for (const w of writers.values()) w.sync();
      journal.appendChunk(record);
      done.set(c, record);
      processed += chunkEnd - c * chunkSize;
      progress.update(processed, samples.length);
    }
  } finally {
    for (const w of writers.values()) w.close();
    progress.stop();
  }

  return finalize({
    out,
    journal,
    samples,
    classes,
    dataset,
    done,
    state,
    inspected,
    robust,
    modelWarnings,
    robustOutput,
    givenPredictions,
    predictionsFile: opts.predictions,
    inspectedFeatures: opts.inspectedFeatures,
    fingerprint,
    chunkSize,
    batchSize,
    resumedChunks: chunkCount - todo.length,
    seconds: (Date.now() - t0) / 1000,
    processedNow: rows.length,
  });
}

function writeFeatureRows(
  writerFor: (name: string, cols: number) => NpyMatrixWriter,
  name: string,
  tensor: { data: Float32Array; dims: readonly number[] },
  rows: number[],
): void {
  const pooled = globalAveragePool(tensor);
  const cols = pooled.dims[1];
  const w = writerFor(name, cols);
  rows.forEach((row, i) => w.writeRows(row, pooled.data.subarray(i * cols, (i + 1) * cols)));
}

function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}

function countRows(done: Map<number, ChunkRecord>, chunkSize: number, total: number): number {
  let n = 0;
  for (const c of done.keys()) n += Math.min(total, (c + 1) * chunkSize) - c * chunkSize;
  return n;
}
