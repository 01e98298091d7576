/**
 * The input-gradient model of a features output, built once and cached as an .onnx file next to the model
 * (keyed by the model's sha256, the options and the autodiff version), then run in onnxruntime-node.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openSession, type OnnxSession } from '../../inference/model.js';
import { fileError } from '../../shared/errors.js';
import { AUTODIFF_VERSION, buildGradientModel, GRADIENT_IO, type GradientModelOptions } from './gradient.js';
import { decodeModel, encodeModel } from './proto.js';

export interface FeatureGradientOptions extends GradientModelOptions {
  /**
   * Where to cache the gradient model; default: $FAULTLINE_GRADIENT_CACHE when set, else next to the model, else
   * ~/.cache/faultline/gradients.
   */
  cacheDir?: string;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
}

interface CachedMeta {
  input: string;
  inputShape: number[];
  featureCount: number;
  differentiatedNodes: number;
  maxBatch?: number;
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Path of the cached gradient model, creating it when missing. */
export async function ensureGradientModel(
  modelPath: string,
  options: FeatureGradientOptions,
): Promise<{ file: string; meta: CachedMeta; cached: boolean }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch (error) {
    throw fileError(
      modelPath,
      `cannot read model (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        sha,
        version: AUTODIFF_VERSION,
        features: options.features,
        input: options.input ?? null,
        normalize: options.normalize ?? null,
        inputShape: options.inputShape ?? null,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const name = `${basename(modelPath)}.${key}.grad.onnx`;
  const chosen = options.cacheDir ?? process.env.FAULTLINE_GRADIENT_CACHE;
  const candidates = chosen
    ? [chosen]
    : [dirname(modelPath), join(homedir(), '.cache', 'faultline', 'gradients')];
  for (const dir of candidates) {
    const file = join(dir, name);
    if (existsSync(file) && existsSync(`${file}.json`)) {
      return { file, meta: JSON.parse(readFileSync(`${file}.json`, 'utf8')) as CachedMeta, cached: true };
    }
  }
  const built = await buildGradientModel(decodeModel(bytes), options);
  const meta: CachedMeta = {
    input: built.input,
    inputShape: built.inputShape,
    featureCount: built.featureCount,
    differentiatedNodes: built.differentiatedNodes,
    ...(built.maxBatch ? { maxBatch: built.maxBatch } : {}),
  };
  const encoded = encodeModel(built.model);
  let lastError: unknown;
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, name);
      writeAtomic(file, encoded);
      writeAtomic(`${file}.json`, JSON.stringify(meta));
      return { file, meta, cached: false };
    } catch (error) {
      lastError = error;
    }
  }
  throw fileError(join(candidates[0], name), `cannot write the gradient model (${String(lastError)})`);
}

export interface GradientResult {
  /** [N, D] feature values at the given input. */
  features: Float32Array;
  /** [N, C, H, W] d sum(features * selector) / d input. */
  gradient: Float32Array;
}

/** A session of the gradient model: features and input gradient in one run. */
export class FeatureGradient {
  private constructor(
    private readonly session: OnnxSession,
    readonly file: string,
    readonly input: string,
    /** [-1, C, H, W] */
    readonly inputShape: number[],
    readonly featureCount: number,
    /** Largest batch one run takes (models with a fixed batch size); bigger inputs are split. */
    readonly maxBatch = Infinity,
  ) {}

  static async open(modelPath: string, options: FeatureGradientOptions): Promise<FeatureGradient> {
    const { file, meta } = await ensureGradientModel(modelPath, options);
    const session = await openSession(file, { optimization: 'all', threads: options.threads });
    return new FeatureGradient(session, file, meta.input, meta.inputShape, meta.featureCount, meta.maxBatch);
  }

  /** Values per image (C*H*W). */
  get imageSize(): number {
    return this.inputShape.slice(1).reduce((a, b) => a * b, 1);
  }

  async run(pixels: Float32Array, selector: Float32Array): Promise<GradientResult> {
    const batch = pixels.length / this.imageSize;
    if (batch > this.maxBatch) return this.runInChunks(pixels, selector, batch);
    const out = await this.session.run({
      [this.input]: { data: pixels, dims: [batch, ...this.inputShape.slice(1)] },
      [GRADIENT_IO.selector]: { data: selector, dims: [batch, this.featureCount] },
    });
    return {
      features: out[GRADIENT_IO.features].data as Float32Array,
      gradient: out[GRADIENT_IO.inputGrad].data as Float32Array,
    };
  }

  private async runInChunks(
    pixels: Float32Array,
    selector: Float32Array,
    batch: number,
  ): Promise<GradientResult> {
    const features = new Float32Array(batch * this.featureCount);
    const gradient = new Float32Array(pixels.length);
    for (let start = 0; start < batch; start += this.maxBatch) {
      const end = Math.min(batch, start + this.maxBatch);
      const part = await this.run(
        pixels.slice(start * this.imageSize, end * this.imageSize),
        selector.slice(start * this.featureCount, end * this.featureCount),
      );
      features.set(part.features, start * this.featureCount);
      gradient.set(part.gradient, start * this.imageSize);
    }
    return { features, gradient };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
