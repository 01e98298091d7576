/**
 * `faultline extract`: dataset + models -> run directory (sample table, predictions, features.npy, run.json).
 *
 * Work is done in fixed chunks of samples. After each chunk its feature rows are flushed to a preallocated .npy
 * and one line (its predictions and skipped images) is appended to a journal, so a crash or Ctrl-C loses at most
 * one chunk and rerunning the same command resumes. Batches depend only on the chunk's content, so a resumed
 * run produces exactly the bytes of an uninterrupted one.
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ClassInfo, Dataset, Prediction, Sample, SkippedSample } from '../shared/types.js';
import { FaultlineError } from '../shared/errors.js';
import { FAULTLINE_VERSION } from '../shared/version.js';
import { silentProgress, type ProgressSink } from '../shared/progress.js';
import {
  RUN_FILES,
  RUN_FORMAT,
  type FeatureSet,
  type PreprocessSpec,
  type RunManifest,
} from '../run/format.js';
import { NpyMatrixReader, NpyMatrixWriter } from '../run/npy.js';
import { readJson, writeJson, writePredictions, writeSamples, writeSkipped } from '../run/tables.js';
import { loadImageRgb, toInputTensor, type RgbImage } from '../image/preprocess.js';
import { classify, globalAveragePool, loadModel, runBatch, type LoadedModel } from '../inference/model.js';
import { ingestDataset, imagenetClasses, readClassMap } from '../ingest/index.js';
import { Prefetcher } from './prefetch.js';
import { readPredictionFile } from './prediction-file.js';

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

interface PartialState {
  fingerprint: string;
  total: number;
  chunkSize: number;
  batchSize: number;
  cols: Record<string, number>;
}

interface ChunkRecord {
  chunk: number;
  /** [row, prediction, probability, top5] per sample that the model classified. */
  predictions: [number, number, number, number[]][];
  skipped: [number, string][];
}

type Decoded = { ok: true; inspected?: RgbImage; robust?: RgbImage } | { ok: false; reason: string };

const PARTIAL_DIR = '.partial';

function sameGeometry(a: PreprocessSpec, b: PreprocessSpec): boolean {
  return a.mode === b.mode && a.width === b.width && a.height === b.height && a.resize === b.resize;
}

function logitsWidth(model: LoadedModel): number | undefined {
  const name = model.spec.outputs.logits;
  const meta = model.session.outputMetadata.find((m) => m.name === name);
  const last = meta && meta.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  return typeof last === 'number' ? last : undefined;
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
  const batchSize = opts.batchSize ?? 8;
  const chunkSize = opts.chunkSize ?? 256;
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

  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        v: RUN_FORMAT,
        samples: samples.map((s) => [s.id, s.label]),
        inspected: inspected && [inspected.record.sha256, inspected.spec, opts.inspectedFeatures ?? null],
        robust: robust && [robust.record.sha256, robust.spec],
        predictions: givenPredictions ? [...givenPredictions.entries()] : null,
        chunkSize,
        batchSize,
      }),
    )
    .digest('hex');

  const manifestFile = join(out, RUN_FILES.manifest);
  if (existsSync(manifestFile) && !opts.force) {
    const existing = readJson<RunManifest>(manifestFile);
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

  const partial = join(out, PARTIAL_DIR);
  const stateFile = join(partial, 'state.json');
  const journal = join(partial, 'chunks.jsonl');
  let state: PartialState | undefined;
  if (existsSync(stateFile) && !opts.force) {
    state = readJson<PartialState>(stateFile);
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
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    state = { fingerprint, total: samples.length, chunkSize, batchSize, cols: {} };
    writeJson(stateFile, state);
  }

  const done = readJournal(journal);
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
    const file = join(partial, `features.${name}.npy`);
    w = new NpyMatrixWriter(file, samples.length, cols, { resume: known !== undefined && existsSync(file) });
    if (known === undefined) {
      state.cols[name] = cols;
      writeJson(stateFile, state);
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
      appendJournal(journal, record);
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
    partial,
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

/** Reads the finished chunks; a torn last line (crash mid-append) is cut off so appends continue cleanly. */
function readJournal(file: string): Map<number, ChunkRecord> {
  const done = new Map<number, ChunkRecord>();
  if (!existsSync(file)) return done;
  const text = readFileSync(file, 'utf8');
  let valid = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) break;
    let record: ChunkRecord;
    try {
      record = JSON.parse(line) as ChunkRecord;
    } catch {
      break;
    }
    done.set(record.chunk, record);
    valid += Buffer.byteLength(line) + 1;
  }
  if (valid < Buffer.byteLength(text)) truncateSync(file, valid);
  return done;
}

function appendJournal(file: string, record: ChunkRecord): void {
  appendFileSync(file, JSON.stringify(record) + '\n');
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface FinalizeInput {
  out: string;
  partial: string;
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

function finalize(f: FinalizeInput): ExtractSummary {
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
    const file = name === 'robust' ? RUN_FILES.features : `features.${name}.npy`;
    const source = join(f.partial, `features.${name}.npy`);
    if (skipped.length === 0) renameSync(source, join(f.out, file));
    else compactRows(source, join(f.out, file), kept, cols);
    const model = name === 'robust' ? f.robust! : f.inspected!;
    const output = name === 'robust' ? f.robustOutput! : f.inspectedFeatures!;
    const meta = model.session.outputMetadata.find((m) => m.name === output);
    features[name] = {
      file,
      rows: samples.length,
      cols,
      source: name,
      output,
      pooled: meta !== undefined && meta.isTensor && meta.shape.length === 4,
    };
  }

  const top1 = accuracy(samples, predictions, 1);
  const top5 = f.inspected ? accuracy(samples, predictions, 5) : undefined;
  const createdAt = new Date().toISOString();
  const mapMeta = f.robust?.spec.outputs.featureMap
    ? f.robust.session.outputMetadata.find((m) => m.name === f.robust!.spec.outputs.featureMap)
    : undefined;
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
      mapMeta && mapMeta.isTensor && f.robust
        ? {
            output: mapMeta.name,
            channels: Number(mapMeta.shape[1]),
            height: Number(mapMeta.shape[2]),
            width: Number(mapMeta.shape[3]),
          }
        : undefined,
    versions: {
      faultline: FAULTLINE_VERSION,
      node: process.version,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown',
      sharp: sharp.versions.sharp ?? 'unknown',
      libvips: sharp.versions.vips,
    },
    extract: {
      fingerprint: f.fingerprint,
      chunkSize: f.chunkSize,
      batchSize: f.batchSize,
      seconds: f.seconds,
      ...(modelWarnings.length > 0 ? { warnings: modelWarnings } : {}),
    },
  };

  writeJson(join(f.out, RUN_FILES.classes), f.classes);
  writeSamples(join(f.out, RUN_FILES.samples), samples, f.dataset.root);
  writePredictions(
    join(f.out, RUN_FILES.predictions),
    samples.map((s) => s.id),
    predictions,
    f.classes,
  );
  writeSkipped(join(f.out, RUN_FILES.skipped), skipped, f.dataset.root);
  // run.json last: its "complete" status is what marks the run as usable.
  writeJson(join(f.out, RUN_FILES.manifest), manifest);
  rmSync(f.partial, { recursive: true, force: true });

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
