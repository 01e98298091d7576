/**
 * Build the ONNX graph of a torchvision ResNet from its state dict.
 *
 * Graph: input RGB in [0,1] (N x 3 x H x W) -> (x - mean) / std -> conv1/bn1/relu/maxpool -> layer1..layer4 ->
 * `feature_map` (layer4 output, N x C x h x w) -> global average pool -> `features` (N x C) -> fc -> `logits`.
 * Every batch norm is folded into the convolution before it (eval-mode statistics; torchvision's eps 1e-5).
 * Normalisation stays a separate Sub/Div: folding it into conv1 would be wrong at the zero-padded border.
 */
import { FaultlineError } from '../shared/errors.js';
import { OnnxGraphBuilder, type ModelInfo } from './onnx-graph.js';
import type { ResNetDefinition } from './resnet-arch.js';
import type { ModelStateDict, Normalization } from './state-dict.js';
import { tensorToFloat32, type Float32Tensor } from './tensor-data.js';

/** torchvision's BatchNorm2d default. */
export const BATCH_NORM_EPS = 1e-5;
export const OPSET = 17;

export const OUTPUT_NAMES = { logits: 'logits', features: 'features', featureMap: 'feature_map' } as const;
export const INPUT_NAME = 'input';

export interface ResNetOnnxOptions {
  definition: ResNetDefinition;
  normalization: Normalization;
  /** Square input side in pixels. */
  inputSize: number;
  info: Omit<ModelInfo, 'opset'>;
}

export interface ResNetOnnx {
  bytes: Uint8Array;
  numClasses: number;
  featureWidth: number;
  /** Spatial size of feature_map. */
  featureMapSize: number;
}

/** Reads the state dict's tensors by torchvision name and remembers which ones are missing. */
class WeightReader {
  readonly missing: string[] = [];
  readonly used = new Set<string>();
  constructor(private readonly stateDict: ModelStateDict) {}

  get(name: string): Float32Tensor | undefined {
    const ref = this.stateDict.tensors.get(name);
    this.used.add(name);
    if (!ref) {
      this.missing.push(name);
      return undefined;
    }
    return tensorToFloat32(ref, this.stateDict.source, this.stateDict.prefix + name);
  }

  has(name: string): boolean {
    return this.stateDict.tensors.has(name);
  }

  shapeError(name: string, expected: string, actual: readonly number[]): FaultlineError {
    return new FaultlineError(
      `${this.stateDict.source}: ${this.stateDict.prefix}${name} has shape [${actual.join(', ')}], expected ${expected}`,
      { file: this.stateDict.source },
    );
  }
}

/** A graph value and its channel count. */
interface Value {
  value: string;
  channels: number;
}

interface FoldedConv {
  weight: Float32Array;
  bias: Float32Array;
  dims: number[];
}

/** conv weight [O, I/g, k, k] + batch norm -> weight and bias of one equivalent conv. */
function foldConvBatchNorm(weights: WeightReader, conv: string, bn: string): FoldedConv | undefined {
  const w = weights.get(`${conv}.weight`);
  const gamma = weights.get(`${bn}.weight`);
  const beta = weights.get(`${bn}.bias`);
  const mean = weights.get(`${bn}.running_mean`);
  const variance = weights.get(`${bn}.running_var`);
  const convBias = weights.has(`${conv}.bias`) ? weights.get(`${conv}.bias`) : undefined;
  if (!w || !gamma || !beta || !mean || !variance) return undefined;
  if (w.shape.length !== 4) throw weights.shapeError(`${conv}.weight`, 'a 4-D convolution kernel', w.shape);
  const out = w.shape[0];
  for (const [name, t] of [
    [`${bn}.weight`, gamma],
    [`${bn}.bias`, beta],
    [`${bn}.running_mean`, mean],
    [`${bn}.running_var`, variance],
  ] as const) {
    if (t.data.length !== out) throw weights.shapeError(name, `[${out}] to match ${conv}.weight`, t.shape);
  }
  const perOutput = w.data.length / out;
  const weight = new Float32Array(w.data.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = gamma.data[o] / Math.sqrt(variance.data[o] + BATCH_NORM_EPS);
    for (let i = 0; i < perOutput; i++) weight[o * perOutput + i] = w.data[o * perOutput + i] * scale;
    bias[o] = beta.data[o] + ((convBias?.data[o] ?? 0) - mean.data[o]) * scale;
  }
  return { weight, bias, dims: w.shape };
}

/** Build the ResNet graph; throws one error listing every missing key. */
export function buildResNetOnnx(stateDict: ModelStateDict, options: ResNetOnnxOptions): ResNetOnnx {
  const { definition, normalization, inputSize } = options;
  const weights = new WeightReader(stateDict);
  const g = new OnnxGraphBuilder('faultline_resnet');
  let spatial = inputSize;

  // Conv + folded BN (+ ReLU). Missing keys are collected (one error lists them all); shape checks run only
  // while nothing is missing, so a gap never surfaces as a confusing shape error further down.
  const convBn = (x: Value, conv: string, bn: string, stride: number, relu: boolean): Value => {
    const folded = foldConvBatchNorm(weights, conv, bn);
    if (!folded || weights.missing.length > 0) return x;
    const [out, inPerGroup, kh, kw] = folded.dims;
    if (x.channels % inPerGroup !== 0) {
      throw weights.shapeError(`${conv}.weight`, `input channels dividing ${x.channels}`, folded.dims);
    }
    const w = g.initializer(`${conv}.weight`, folded.dims, folded.weight);
    const b = g.initializer(`${conv}.bias`, [out], folded.bias);
    const pad = Math.floor(kh / 2);
    const convOut = g.node('Conv', [x.value, w, b], [g.fresh(conv)], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      group: x.channels / inPerGroup,
    });
    return { value: relu ? g.node('Relu', [convOut], [g.fresh(`${conv}_relu`)]) : convOut, channels: out };
  };
  /** Output side of a k x k convolution with padding k/2 (torchvision's convs and max pool). */
  const outSize = (k: number, stride: number, size: number) =>
    Math.floor((size + 2 * Math.floor(k / 2) - k) / stride) + 1;

  // Normalisation inside the model: the input is RGB in [0, 1].
  const input = g.input(INPUT_NAME, ['N', 3, inputSize, inputSize]);
  const mean = g.initializer('normalize.mean', [1, 3, 1, 1], Float32Array.from(normalization.mean));
  const std = g.initializer('normalize.std', [1, 3, 1, 1], Float32Array.from(normalization.std));
  const centred = g.node('Sub', [input, mean], [g.fresh('centred')]);
  const normalized = g.node('Div', [centred, std], [g.fresh('normalized')]);

  // Stem.
  let x = convBn({ value: normalized, channels: 3 }, 'conv1', 'bn1', 2, true);
  spatial = outSize(7, 2, spatial);
  const pooled = g.node('MaxPool', [x.value], [g.fresh('maxpool')], {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
  });
  x = { value: pooled, channels: x.channels };
  spatial = outSize(3, 2, spatial);

  const bottleneck = definition.block === 'bottleneck';
  for (let layer = 1; layer <= 4; layer++) {
    for (let blockIndex = 0; blockIndex < definition.layers[layer - 1]; blockIndex++) {
      const p = `layer${layer}.${blockIndex}`;
      const stride = layer > 1 && blockIndex === 0 ? 2 : 1;
      const last = layer === 4 && blockIndex === definition.layers[3] - 1;
      let y: Value;
      if (bottleneck) {
        y = convBn(x, `${p}.conv1`, `${p}.bn1`, 1, true);
        y = convBn(y, `${p}.conv2`, `${p}.bn2`, stride, true);
        y = convBn(y, `${p}.conv3`, `${p}.bn3`, 1, false);
      } else {
        y = convBn(x, `${p}.conv1`, `${p}.bn1`, stride, true);
        y = convBn(y, `${p}.conv2`, `${p}.bn2`, 1, false);
      }
      const shortcut = weights.has(`${p}.downsample.0.weight`)
        ? convBn(x, `${p}.downsample.0`, `${p}.downsample.1`, stride, false)
        : x;
      if (shortcut.channels !== y.channels && weights.missing.length === 0) {
        throw new FaultlineError(
          `${stateDict.source}: block ${stateDict.prefix}${p} adds ${y.channels} channels to a shortcut of ` +
            `${shortcut.channels} and has no downsample weights`,
          { file: stateDict.source },
        );
      }
      const sum = g.node('Add', [y.value, shortcut.value], [g.fresh(`${p}_add`)]);
      const out = g.node('Relu', [sum], [last ? OUTPUT_NAMES.featureMap : g.fresh(`${p}_out`)]);
      x = { value: out, channels: y.channels };
      if (stride === 2) spatial = outSize(3, 2, spatial);
    }
  }

  const fcWeight = weights.get('fc.weight');
  const fcBias = weights.get('fc.bias');
  if (weights.missing.length > 0) {
    const shown = weights.missing.slice(0, 10).map((k) => stateDict.prefix + k);
    throw new FaultlineError(
      `${stateDict.source}: the state dict lacks ${weights.missing.length} weight(s) this ResNet needs: ` +
        `${shown.join(', ')}${weights.missing.length > 10 ? ', ...' : ''}`,
      { file: stateDict.source, hint: 'check --arch, or whether the checkpoint is complete' },
    );
  }
  if (!fcWeight || !fcBias) throw new Error('unreachable: fc weights checked above');
  const featureWidth = x.channels;
  if (fcWeight.shape.length !== 2 || fcWeight.shape[1] !== featureWidth) {
    throw weights.shapeError('fc.weight', `[classes, ${featureWidth}]`, fcWeight.shape);
  }
  const numClasses = fcWeight.shape[0];
  if (fcBias.data.length !== numClasses) throw weights.shapeError('fc.bias', `[${numClasses}]`, fcBias.shape);

  const gap = g.node('GlobalAveragePool', [OUTPUT_NAMES.featureMap], [g.fresh('avgpool')]);
  g.node('Flatten', [gap], [OUTPUT_NAMES.features], { axis: 1 });
  const fcW = g.initializer('fc.weight', fcWeight.shape, fcWeight.data);
  const fcB = g.initializer('fc.bias', [numClasses], fcBias.data);
  g.node('Gemm', [OUTPUT_NAMES.features, fcW, fcB], [OUTPUT_NAMES.logits], { transB: 1 });

  g.output(OUTPUT_NAMES.logits, ['N', numClasses]);
  g.output(OUTPUT_NAMES.features, ['N', featureWidth]);
  g.output(OUTPUT_NAMES.featureMap, ['N', featureWidth, spatial, spatial]);

  return {
    bytes: g.encode({ ...options.info, opset: OPSET }),
    numClasses,
    featureWidth,
    featureMapSize: spatial,
  };
}
