/**
 * Conv backward (input gradient only; weights are constants). Stride-1 convolutions with constant weights become
 * a forward Conv with flipped, transposed weights (onnxruntime's Conv kernels are much faster than ConvTranspose);
 * everything else uses ConvTranspose with pads and output_padding chosen so the result has the input's exact size.
 */
import { attrInt, attrInts, attrString, type NodeProto } from '../proto.js';
import { constantValues, product, unsupported, type BackwardRule, type RuleContext } from './context.js';

export interface ConvGeometry {
  spatialIn: number[];
  spatialOut: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

/** Explicit pads for auto_pad SAME_UPPER / SAME_LOWER / VALID / NOTSET. */
export function convGeometry(
  node: NodeProto,
  spatialIn: number[],
  spatialOut: number[],
  kernel: number[],
): ConvGeometry {
  const n = spatialIn.length;
  const strides = attrInts(node, 'strides') ?? new Array(n).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array(n).fill(1);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let padsBegin: number[];
  let padsEnd: number[];
  if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads') ?? new Array(2 * n).fill(0);
    padsBegin = pads.slice(0, n);
    padsEnd = pads.slice(n);
  } else if (autoPad === 'VALID') {
    padsBegin = new Array(n).fill(0);
    padsEnd = new Array(n).fill(0);
  } else {
    padsBegin = [];
    padsEnd = [];
    for (let i = 0; i < n; i++) {
      const total = Math.max(
        0,
        (spatialOut[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatialIn[i],
      );
      const small = Math.floor(total / 2);
      padsBegin.push(autoPad === 'SAME_LOWER' ? total - small : small);
      padsEnd.push(autoPad === 'SAME_LOWER' ? small : total - small);
    }
  }
  return { spatialIn, spatialOut, kernel, strides, dilations, padsBegin, padsEnd };
}

/**
 * Pads / output_padding for a ConvTranspose that maps the strided output back onto exactly the input:
 * the transposed result covers (out-1)*s + (k-1)*d + 1 positions starting at -padBegin; what lies past the input
 * is cropped through the end pad, and input rows no window reached are added through output_padding.
 */
export function transposeGeometry(geo: ConvGeometry): { pads: number[]; outputPadding: number[] } {
  const n = geo.spatialIn.length;
  const endPads: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < n; i++) {
    const full = (geo.spatialOut[i] - 1) * geo.strides[i] + (geo.kernel[i] - 1) * geo.dilations[i] + 1;
    const crop = full - geo.padsBegin[i] - geo.spatialIn[i];
    endPads.push(Math.max(0, crop));
    outputPadding.push(Math.max(0, -crop));
  }
  return { pads: [...geo.padsBegin, ...endPads], outputPadding };
}

/** W [Cout, Cin/g, k...] -> W' [Cin, Cout/g, k...] flipped spatially: the adjoint of a stride-1 convolution. */
export function flipTransposeWeights(
  values: Float64Array,
  shape: number[],
  group: number,
): { values: Float32Array; shape: number[] } {
  const [cout, cinPerGroup, ...kernel] = shape;
  const coutPerGroup = cout / group;
  const k = product(kernel);
  const out = new Float32Array(values.length);
  for (let g = 0; g < group; g++) {
    for (let co = 0; co < coutPerGroup; co++) {
      for (let ci = 0; ci < cinPerGroup; ci++) {
        const src = ((g * coutPerGroup + co) * cinPerGroup + ci) * k;
        const dst = ((g * cinPerGroup + ci) * coutPerGroup + co) * k;
        for (let j = 0; j < k; j++) out[dst + j] = values[src + (k - 1 - j)];
      }
    }
  }
  return { values: out, shape: [cinPerGroup * group, coutPerGroup, ...kernel] };
}

function convInputGrad(node: NodeProto, g: string, ctx: RuleContext): string {
  const [x, w] = node.input ?? [];
  const y = (node.output ?? [])[0];
  if (ctx.isDiff(w)) throw unsupported(node, 'weights that depend on the input are not supported');
  const xShape = ctx.shape(x);
  const wShape = ctx.shape(w);
  const group = attrInt(node, 'group', 1);
  const geo = convGeometry(node, xShape.slice(2), ctx.shape(y).slice(2), wShape.slice(2));
  const weights = constantValues(ctx, w);
  const stride1 = geo.strides.every((s) => s === 1);
  const flippedPads = geo.kernel.map((k, i) => (k - 1) * geo.dilations[i]);
  const padsBegin = flippedPads.map((e, i) => e - geo.padsBegin[i]);
  const padsEnd = flippedPads.map((e, i) => e - geo.padsEnd[i]);
  if (stride1 && weights && [...padsBegin, ...padsEnd].every((p) => p >= 0)) {
    const flipped = flipTransposeWeights(weights.values, weights.shape, group);
    const wName = ctx.b.floats(flipped.shape, flipped.values, `${w}_adjoint`);
    return ctx.b.op('Conv', [g, wName], {
      group,
      dilations: geo.dilations,
      kernel_shape: geo.kernel,
      pads: [...padsBegin, ...padsEnd],
      strides: geo.strides,
    });
  }
  const { pads, outputPadding } = transposeGeometry(geo);
  return ctx.b.op('ConvTranspose', [g, w], {
    group,
    dilations: geo.dilations,
    kernel_shape: geo.kernel,
    pads,
    strides: geo.strides,
    output_padding: outputPadding.some((p) => p > 0) ? outputPadding : undefined,
  });
}

const conv: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  return [convInputGrad(node, g, ctx)];
};

export const convRules: Record<string, BackwardRule> = { Conv: conv };
