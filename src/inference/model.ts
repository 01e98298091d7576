/**
 * The onnxruntime-node adapter, the only module of the library that imports onnxruntime: loading a model with its
 * spec, auto-detecting what the spec leaves out, output shapes, running batches (classify, features), closing it,
 * and plain sessions (openSession) for the graphs explain/autodiff builds. Tests may use onnxruntime directly.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { cpuHasVnni, int8SaturationWarning } from './int8-kernels.js';

// onnx-proto is CommonJS: its named export is only reachable through the default import under ESM.
const { onnx } = onnxProto;
import type { ModelRecord, PreprocessSpec } from '../run/format.js';
import type { ClassInfo } from '../shared/types.js';
import { FaultlineError, fileError } from '../shared/errors.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../image/preprocess.js';
import { readModelSpec, siblingSpecPath, type ModelSpecFile } from './spec.js';

export type InferenceSession = ort.InferenceSession;

export interface ResolvedModelSpec {
  input: string;
  preprocess: PreprocessSpec;
  outputs: { logits?: string; features?: string; featureMap?: string };
  classes?: ClassInfo[];
  /** L2 robustness from the spec, eps rescaled to the input size faultline feeds (eps grows with the side). */
  robustness?: { norm: 'L2'; eps: number };
}

export interface LoadedModel {
  path: string;
  session: InferenceSession;
  spec: ResolvedModelSpec;
  record: ModelRecord;
  /** Things the user should know before trusting the model's outputs on this machine (e.g. int8 saturation). */
  warnings: string[];
}

export interface LoadModelOptions {
  /** Spec file; default: <model>.json next to the model when it exists. */
  spec?: string;
  /** What the model is used for; decides which outputs are required. */
  role?: 'inspected' | 'robust';
  /** Override the preprocessing mode (e.g. 'resize' for datasets that are already square crops). */
  preprocess?: 'crop' | 'resize';
  /** Override the output used as features (any node output name; added as a graph output if needed). */
  featuresOutput?: string;
  /** Intra-op threads; default all cores. */
  threads?: number;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function describeIO(session: InferenceSession): string {
  const fmt = (m: readonly ort.InferenceSession.ValueMetadata[]) =>
    m.map((v) => (v.isTensor ? `${v.name} ${v.type}[${v.shape.join(',')}]` : v.name)).join(', ');
  return `inputs: ${fmt(session.inputMetadata)}; outputs: ${fmt(session.outputMetadata)}`;
}

function tensorMeta(
  session: InferenceSession,
  name: string,
): ort.InferenceSession.TensorValueMetadata | undefined {
  const m = [...session.inputMetadata, ...session.outputMetadata].find((v) => v.name === name);
  return m && m.isTensor ? m : undefined;
}

/** Adds node outputs that are not graph outputs yet, so intermediate activations can be read. */
function exposeOutputs(modelBytes: Uint8Array, names: string[], file: string): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw fileError(file, 'ONNX model has no graph');
  graph.node ??= [];
  graph.output ??= [];
  graph.valueInfo ??= [];
  const produced = new Set(graph.node.flatMap((n) => n.output ?? []));
  const existing = new Set(graph.output.map((o) => o.name));
  for (const name of names) {
    if (existing.has(name)) continue;
    if (!produced.has(name)) {
      const sample = [...produced].slice(0, 12).join(', ');
      throw fileError(file, `no node produces an output named "${name}" (some node outputs: ${sample}, ...)`);
    }
    const known = graph.valueInfo.find((v) => v.name === name);
    graph.output.push(
      known ??
        onnx.ValueInfoProto.create({
          name,
          type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
        }),
    );
  }
  return onnx.ModelProto.encode(model).finish();
}

export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const file = resolve(path);
  if (!existsSync(file)) throw fileError(file, 'model file not found');
  const specFile = opts.spec
    ? resolve(opts.spec)
    : existsSync(siblingSpecPath(file))
      ? siblingSpecPath(file)
      : undefined;
  const specIn: ModelSpecFile = specFile ? readModelSpec(specFile) : {};

  const wanted = [
    opts.featuresOutput,
    specIn.outputs?.features,
    specIn.outputs?.featureMap,
    specIn.outputs?.logits,
  ];
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  let session: InferenceSession;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
    const probe = await ort.InferenceSession.create(bytes, sessionOptions);
    const missing = wanted.filter((n): n is string => !!n && !probe.outputNames.includes(n));
    if (missing.length > 0) {
      await probe.release();
      session = await ort.InferenceSession.create(exposeOutputs(bytes, missing, file), sessionOptions);
    } else {
      session = probe;
    }
  } catch (e) {
    if (e instanceof FaultlineError) throw e;
    throw fileError(file, `onnxruntime cannot load the model (${(e as Error).message.split('\n')[0]})`);
  }

  const input = resolveInput(session, specIn, file);
  const inputMeta = tensorMeta(session, input);
  const dims = inputMeta?.shape ?? [];
  const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);
  const height = specIn.input?.height ?? fixed(dims[2]) ?? 224;
  const width = specIn.input?.width ?? fixed(dims[3]) ?? 224;
  const mode = opts.preprocess ?? specIn.preprocess?.mode ?? 'crop';
  const preprocess: PreprocessSpec = {
    mode,
    width,
    height,
    mean: specIn.normalize?.mean ?? IMAGENET_MEAN,
    std: specIn.normalize?.std ?? IMAGENET_STD,
  };
  if (mode === 'crop')
    preprocess.resize = specIn.preprocess?.resize ?? Math.round(Math.max(width, height) / 0.875);

  const outputs = resolveOutputs(session, specIn, opts, file);
  const stat = statSync(file);
  const record: ModelRecord = {
    path: file,
    sha256: await sha256File(file),
    bytes: stat.size,
    spec: specFile,
    input,
    outputs: Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
  };
  const saturation = int8SaturationWarning(file, bytes, cpuHasVnni());
  return {
    path: file,
    session,
    spec: {
      input,
      preprocess,
      outputs,
      classes: specIn.classes,
      ...(specIn.robustness && {
        robustness: {
          norm: specIn.robustness.norm,
          eps: (specIn.robustness.eps * Math.max(width, height)) / specIn.robustness.size,
        },
      }),
    },
    record,
    warnings: saturation ? [saturation] : [],
  };
}

function resolveInput(session: InferenceSession, spec: ModelSpecFile, file: string): string {
  if (spec.input?.name) {
    if (!session.inputNames.includes(spec.input.name)) {
      throw fileError(file, `spec names input "${spec.input.name}" but the model has ${describeIO(session)}`);
    }
    return spec.input.name;
  }
  const candidates = session.inputMetadata.filter(
    (m) => m.isTensor && m.type === 'float32' && m.shape.length === 4,
  );
  if (candidates.length !== 1) {
    throw new FaultlineError(
      `${file}: cannot tell which input takes the image (${describeIO(session)}); write a spec with input.name`,
      { file, hint: 'see docs/models.md for the model spec format' },
    );
  }
  return candidates[0].name;
}

function resolveOutputs(
  session: InferenceSession,
  spec: ModelSpecFile,
  opts: LoadModelOptions,
  file: string,
): ResolvedModelSpec['outputs'] {
  const names = session.outputNames;
  const rank = (name: string) => tensorMeta(session, name)?.shape.length;

  const logits = spec.outputs?.logits ?? (names.includes('logits') ? 'logits' : undefined);
  const features =
    opts.featuresOutput ?? spec.outputs?.features ?? (names.includes('features') ? 'features' : undefined);
  const featureMap =
    spec.outputs?.featureMap ??
    (names.includes('feature_map') ? 'feature_map' : names.find((n) => rank(n) === 4 && n !== features));
  // Without a name, the logits are the only 2-D output that is not the requested features.
  const twoD = names.filter((n) => rank(n) === 2 && n !== features && n !== featureMap);
  const detectedLogits = opts.role === 'inspected' && twoD.length === 1 ? twoD[0] : undefined;
  const out = { logits: logits ?? detectedLogits, features, featureMap };

  if (opts.role === 'inspected' && !out.logits) {
    throw new FaultlineError(
      `${file}: cannot tell which output holds the class logits (${describeIO(session)}); ` +
        'name it in the model spec (outputs.logits)',
      { file, hint: 'see docs/models.md for the model spec format' },
    );
  }
  if (opts.role === 'robust' && !out.features && !out.featureMap) {
    throw new FaultlineError(
      `${file}: the robust model needs a features output (N x D, or a N x D x h x w map to pool) but none is named ` +
        `(${describeIO(session)}); pass --robust-output <name> or name outputs.features in the model spec`,
      { file, hint: 'see docs/models.md for the model spec format' },
    );
  }
  return out;
}

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Runs one NCHW float batch and returns the requested outputs as float32. */
export async function runBatch(
  model: LoadedModel,
  batch: Float32Array,
  count: number,
  outputs: string[],
): Promise<Record<string, OutputTensor>> {
  const { width, height } = model.spec.preprocess;
  const feeds = { [model.spec.input]: new ort.Tensor('float32', batch, [count, 3, height, width]) };
  const result = await model.session.run(feeds, outputs);
  const out: Record<string, OutputTensor> = {};
  for (const name of outputs) {
    const t = result[name];
    if (t.type !== 'float32')
      throw new FaultlineError(`${model.path}: output "${name}" is ${t.type}, expected float32`);
    out[name] = { data: t.data as Float32Array, dims: t.dims };
  }
  return out;
}

/** [N, C, h, w] -> [N, C] by averaging each channel map (identity for [N, C]). */
/**
 * The shape onnxruntime reports for output `name` (symbolic axes as strings), or undefined when the model has no
 * such tensor output.
 */
export function outputShape(model: LoadedModel, name: string): readonly (number | string)[] | undefined {
  const meta = model.session.outputMetadata.find((m) => m.name === name);
  return meta && meta.isTensor ? meta.shape : undefined;
}

/** True when output `name` is a spatial map (N x C x h x w) that is average-pooled into features. */
export function isSpatialOutput(model: LoadedModel, name: string): boolean {
  return outputShape(model, name)?.length === 4;
}

/** Width of the logits output (the number of classes), when the model states it. */
export function logitsWidth(model: LoadedModel): number | undefined {
  const name = model.spec.outputs.logits;
  const shape = name === undefined ? undefined : outputShape(model, name);
  const last = shape ? shape[shape.length - 1] : undefined;
  return typeof last === 'number' ? last : undefined;
}

/** Releases the model's session. */
export async function closeModel(model: LoadedModel): Promise<void> {
  await model.session.release();
}

/** The onnxruntime version, as recorded in run manifests. */
export function runtimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common ?? 'unknown';
}

/** A float tensor fed to a plain session. */
export interface FloatTensor {
  data: Float32Array | Float64Array;
  dims: readonly number[];
}

/** A tensor a plain session returned (type as onnxruntime names it: 'float32', 'float64', ...). */
export interface SessionTensor {
  type: string;
  data: unknown;
  dims: readonly number[];
}

/** A session over an ONNX graph that is not a model with a spec (e.g. a gradient graph built in memory). */
export interface OnnxSession {
  run(
    feeds: Record<string, FloatTensor>,
    outputs?: readonly string[],
  ): Promise<Record<string, SessionTensor>>;
  release(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Intra-op threads; default onnxruntime's. */
  threads?: number;
  /** Graph optimisation level; default onnxruntime's. */
  optimization?: 'basic' | 'all';
  /** Log errors only. */
  quiet?: boolean;
}

/** Opens a plain session on an ONNX file or in-memory model. */
export async function openSession(
  model: string | Uint8Array,
  options: OpenSessionOptions = {},
): Promise<OnnxSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    ...(options.optimization ? { graphOptimizationLevel: options.optimization } : {}),
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    ...(options.quiet ? { logSeverityLevel: 3 as const } : {}),
  };
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  return {
    async run(feeds, outputs) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        tensors[name] =
          t.data instanceof Float64Array
            ? new ort.Tensor('float64', t.data, t.dims)
            : new ort.Tensor('float32', t.data, t.dims);
      }
      const result = outputs ? await session.run(tensors, [...outputs]) : await session.run(tensors);
      const out: Record<string, SessionTensor> = {};
      for (const [name, t] of Object.entries(result))
        out[name] = { type: t.type, data: t.data, dims: t.dims };
      return out;
    },
    release: () => session.release(),
  };
}

export function globalAveragePool(t: OutputTensor): OutputTensor {
  if (t.dims.length === 2) return t;
  if (t.dims.length !== 4) throw new RangeError(`cannot pool a tensor of shape [${t.dims.join(',')}]`);
  const [n, c, h, w] = t.dims;
  const plane = h * w;
  const out = new Float32Array(n * c);
  for (let i = 0; i < n * c; i++) {
    let s = 0;
    const base = i * plane;
    for (let p = 0; p < plane; p++) s += t.data[base + p];
    out[i] = s / plane;
  }
  return { data: out, dims: [n, c] };
}

/** Softmax top-1 probability and top-5 indices of each row of a logits matrix. */
export function classify(
  logits: OutputTensor,
): { prediction: number; probability: number; top5: number[] }[] {
  const [n, k] = logits.dims;
  const rows = [];
  for (let i = 0; i < n; i++) {
    const row = logits.data.subarray(i * k, (i + 1) * k);
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const order = Array.from({ length: k }, (_, j) => j);
    // Partial selection would be faster, but k <= 1000 and this runs once per image.
    order.sort((a, b) => row[b] - row[a] || a - b);
    const top5 = order.slice(0, Math.min(5, k));
    rows.push({ prediction: top5[0], probability: Math.exp(row[top5[0]] - max) / sum, top5 });
  }
  return rows;
}
