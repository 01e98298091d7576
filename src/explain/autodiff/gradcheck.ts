/**
 * Checks an autodiff gradient model against central finite differences of the forward model, both run in
 * onnxruntime. All perturbed copies of the input go through the forward model in one batch, so a check of a
 * small graph costs two session runs.
 */
import { openSession, type FloatTensor } from '../../inference/model.js';
import { buildGradientModel, GRADIENT_IO, type GradientModelOptions } from './gradient.js';
import {
  DataType,
  encodeModel,
  onnx,
  makeValueInfo,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from './proto.js';

export interface TinyModelSpec {
  nodes: NodeProto[];
  initializers?: TensorProto[];
  /** Input shape including batch. */
  inputShape: number[];
  /** Tensor used as features. */
  features: string;
  dataType?: number;
  opset?: number;
}

/** A one-input model from nodes; the input is named "x". */
export function tinyModel(spec: TinyModelSpec): ModelProto {
  const type = spec.dataType ?? DataType.FLOAT;
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'tiny',
      node: spec.nodes,
      initializer: spec.initializers ?? [],
      input: [makeValueInfo('x', type, ['N', ...spec.inputShape.slice(1)])],
      output: [onnx.ValueInfoProto.create({ name: spec.features })],
    },
  });
}

export interface GradCheckResult {
  relativeError: number;
  analytic: Float64Array;
  numeric: Float64Array;
}

type FloatArray = Float32Array | Float64Array;

function tensor(type: number, data: ArrayLike<number>, dims: number[]): FloatTensor {
  return type === DataType.DOUBLE
    ? { data: Float64Array.from(data), dims }
    : { data: Float32Array.from(data), dims };
}

/**
 * d sum(features * selector) / dx by autodiff and by central differences with step h, for input x and selector.
 * `features` may be [N,D] or [N,D,h,w] (pooled the same way in both paths).
 */
export async function gradCheck(
  model: ModelProto,
  x: ArrayLike<number>,
  inputShape: number[],
  options: Omit<GradientModelOptions, 'inputShape'>,
  h: number,
  selectorSeed = 1,
): Promise<GradCheckResult> {
  const type = model.graph?.input?.[0]?.type?.tensorType?.elemType ?? DataType.FLOAT;
  const grad = await buildGradientModel(model, { ...options, inputShape });
  const session = await openSession(encodeModel(grad.model));
  const [n] = inputShape;
  const d = grad.featureCount;
  const selector = new Float64Array(n * d);
  let s = selectorSeed;
  for (let i = 0; i < selector.length; i++) {
    s = (s * 16807) % 2147483647;
    selector[i] = (s / 2147483647) * 2 - 1;
  }
  const result = await session.run({
    [grad.input]: tensor(type, x, inputShape),
    [GRADIENT_IO.selector]: tensor(type, selector, [n, d]),
  });
  const analytic = Float64Array.from(result[GRADIENT_IO.inputGrad].data as FloatArray);
  await session.release();

  // The forward model with the same feature head: the gradient model without its backward part is not exposed, so
  // evaluate the features output of the gradient model with a zero selector on perturbed copies.
  const per = inputShape.slice(1).reduce((a, b) => a * b, 1);
  const copies = 2 * n * per;
  const batch = new Float64Array(copies * per);
  for (let sample = 0; sample < n; sample++) {
    for (let j = 0; j < per; j++) {
      const c = 2 * (sample * per + j);
      for (const [k, sign] of [
        [c, 1],
        [c + 1, -1],
      ] as const) {
        const dst = batch.subarray(k * per, (k + 1) * per);
        for (let q = 0; q < per; q++) dst[q] = x[sample * per + q];
        dst[j] += sign * h;
      }
    }
  }
  const featureSession = await openSession(encodeModel(grad.model));
  const out = await featureSession.run({
    [grad.input]: tensor(type, batch, [copies, ...inputShape.slice(1)]),
    [GRADIENT_IO.selector]: tensor(type, new Float64Array(copies * d), [copies, d]),
  });
  await featureSession.release();
  const feats = out[GRADIENT_IO.features].data as FloatArray;
  const numeric = new Float64Array(n * per);
  for (let sample = 0; sample < n; sample++) {
    for (let j = 0; j < per; j++) {
      const c = 2 * (sample * per + j);
      let plus = 0;
      let minus = 0;
      for (let k = 0; k < d; k++) {
        plus += feats[c * d + k] * selector[sample * d + k];
        minus += feats[(c + 1) * d + k] * selector[sample * d + k];
      }
      numeric[sample * per + j] = (plus - minus) / (2 * h);
    }
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < numeric.length; i++) {
    num += (analytic[i] - numeric[i]) ** 2;
    den += numeric[i] ** 2;
  }
  return { relativeError: Math.sqrt(num / Math.max(den, 1e-30)), analytic, numeric };
}
