/**
 * Pooling and reduction backward rules.
 * MaxPool: the forward node is made to also output argmax indices (flat over the whole NCHW tensor, per the ONNX
 * spec); the gradient is a ScatterElements with reduction "add" (opset 16) into a flat zero tensor, so windows that
 * overlap and share an argmax add up like in PyTorch.
 * AveragePool: a depthwise ConvTranspose with an all-ones kernel after dividing by each window's element count.
 */
import { attrInt, attrInts, makeTensor, tensorValues } from '../proto.js';
import { convGeometry, transposeGeometry } from './conv.js';
import { product, unsupported, type BackwardRule } from './context.js';

const maxPool: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const x = (node.input ?? [])[0];
  if (attrInt(node, 'storage_order', 0) !== 0) throw unsupported(node, 'storage_order=1 is not supported');
  const outputs = node.output ?? [];
  let indices = outputs[1];
  if (!indices) {
    // Make the forward node report its argmax (mutates the node: it is part of the graph being built).
    indices = ctx.b.fresh('maxpool_indices');
    node.output = [outputs[0], indices];
  }
  const b = ctx.b;
  const flat = b.int64s([-1]);
  const xShape = b.op('Shape', [x]);
  const total = b.op('ReduceProd', [xShape], { keepdims: 1 });
  const zeroValue = makeTensor('value', b.floatType, [1], [0]);
  const zeros = b.op('ConstantOfShape', [total], { value: { tensor: zeroValue } });
  const scattered = b.op(
    'ScatterElements',
    [zeros, b.op('Reshape', [indices, flat]), b.op('Reshape', [g, flat])],
    { axis: 0, reduction: 'add' },
  );
  return [b.op('Reshape', [scattered, xShape])];
};

/** Number of input elements each output position of an average pool averages over (for count_include_pad=0). */
export function windowCounts(
  spatialIn: number[],
  spatialOut: number[],
  kernel: number[],
  strides: number[],
  padsBegin: number[],
  padsEnd: number[],
  includePad: boolean,
): Float64Array {
  const perAxis = spatialIn.map((size, a) => {
    const counts: number[] = [];
    for (let o = 0; o < spatialOut[a]; o++) {
      const start = o * strides[a] - padsBegin[a];
      const end = start + kernel[a];
      const lo = includePad ? -padsBegin[a] : 0;
      const hi = includePad ? size + padsEnd[a] : size;
      counts.push(Math.max(0, Math.min(end, hi) - Math.max(start, lo)));
    }
    return counts;
  });
  const total = product(spatialOut);
  const out = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    let rest = i;
    let c = 1;
    for (let a = perAxis.length - 1; a >= 0; a--) {
      c *= perAxis[a][rest % spatialOut[a]];
      rest = Math.floor(rest / spatialOut[a]);
    }
    out[i] = c;
  }
  return out;
}

const averagePool: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const x = (node.input ?? [])[0];
  const y = (node.output ?? [])[0];
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(y);
  const kernel = attrInts(node, 'kernel_shape') ?? [];
  if (attrInts(node, 'dilations')?.some((d) => d !== 1)) throw unsupported(node, 'dilated average pooling');
  const geo = convGeometry(node, xShape.slice(2), yShape.slice(2), kernel);
  const includePad = attrInt(node, 'count_include_pad', 0) === 1;
  const counts = windowCounts(
    geo.spatialIn,
    geo.spatialOut,
    kernel,
    geo.strides,
    geo.padsBegin,
    geo.padsEnd,
    includePad,
  );
  const b = ctx.b;
  const inverse = b.floats(
    [1, 1, ...geo.spatialOut],
    counts.map((c) => (c > 0 ? 1 / c : 0)),
    'avgpool_inverse_counts',
  );
  const channels = xShape[1];
  const ones = b.floats(
    [channels, 1, ...kernel],
    new Float64Array(channels * product(kernel)).fill(1),
    'avgpool_ones',
  );
  const { pads, outputPadding } = transposeGeometry(geo);
  return [
    b.op('ConvTranspose', [b.op('Mul', [g, inverse]), ones], {
      group: channels,
      kernel_shape: kernel,
      strides: geo.strides,
      pads,
      output_padding: outputPadding.some((p) => p > 0) ? outputPadding : undefined,
    }),
  ];
};

const globalAveragePool: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const x = (node.input ?? [])[0];
  const count = product(ctx.shape(x).slice(2));
  const scaled = ctx.b.op('Mul', [g, ctx.b.scalar(1 / count)]);
  return [ctx.b.op('Expand', [scaled, ctx.b.op('Shape', [x])])];
};

/** ReduceMean / ReduceSum over axes given as attribute (ReduceMean < 18) or input (ReduceSum >= 13, all >= 18). */
function reduceRule(mean: boolean): BackwardRule {
  return (node, [g], ctx) => {
    if (!g) return [];
    const [x, axesInput] = node.input ?? [];
    const rank = ctx.shape(x).length;
    let axes = attrInts(node, 'axes');
    if (!axes && axesInput) {
      const t = ctx.initializer(axesInput);
      if (!t) throw unsupported(node, 'reduction axes must be a constant');
      axes = Array.from(tensorValues(t));
    }
    const all = !axes || axes.length === 0;
    if (all && attrInt(node, 'noop_with_empty_axes', 0) === 1) return [g];
    const normalized = all ? [...Array(rank).keys()] : (axes as number[]).map((a) => (a < 0 ? a + rank : a));
    const b = ctx.b;
    let grad = g;
    if (attrInt(node, 'keepdims', 1) === 0) grad = b.op('Unsqueeze', [grad, b.int64s(normalized)]);
    if (mean) {
      const shape = ctx.shape(x);
      grad = b.op('Mul', [grad, b.scalar(1 / product(normalized.map((a) => shape[a])))]);
    }
    return [b.op('Expand', [grad, b.op('Shape', [x])])];
  };
}

export const poolRules: Record<string, BackwardRule> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  ReduceMean: reduceRule(true),
  ReduceSum: reduceRule(false),
};
