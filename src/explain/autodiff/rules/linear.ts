/** Backward rules of Gemm, MatMul and inference-mode BatchNormalization. */
import { attrFloat, attrInt } from '../proto.js';
import { broadcastShape, constantValues, reduceTo, unsupported, type BackwardRule } from './context.js';

/** Y = alpha * A' B' + beta * C with A' = transA ? A^T : A and B' likewise. */
const gemm: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const [a, bIn, c] = node.input ?? [];
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const transA = attrInt(node, 'transA', 0);
  const transB = attrInt(node, 'transB', 0);
  const b = ctx.b;
  const al = { float: alpha };
  // dA' = alpha gY B'^T; dA = transA ? (dA')^T = alpha B' gY^T : dA'
  const ga = !ctx.isDiff(a)
    ? undefined
    : transA
      ? b.op('Gemm', [bIn, g], { alpha: al, transA: transB, transB: 1 })
      : b.op('Gemm', [g, bIn], { alpha: al, transB: transB ? 0 : 1 });
  // dB' = alpha A'^T gY; dB = transB ? (dB')^T = alpha gY^T A' : dB'
  const gb = !ctx.isDiff(bIn)
    ? undefined
    : transB
      ? b.op('Gemm', [g, a], { alpha: al, transA: 1, transB: transA })
      : b.op('Gemm', [a, g], { alpha: al, transA: transA ? 0 : 1 });
  let gc: string | undefined;
  if (c && ctx.isDiff(c)) {
    const scaled = beta === 1 ? g : b.op('Mul', [g, b.scalar(beta)]);
    gc = reduceTo(ctx, scaled, ctx.shape((node.output ?? [])[0]), c);
  }
  return [ga, gb, gc];
};

function swapLast(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/** Batched MatMul (both operands rank >= 2) with broadcasting over the leading axes. */
const matMul: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const [a, bIn] = node.input ?? [];
  const aShape = ctx.shape(a);
  const bShape = ctx.shape(bIn);
  if (aShape.length < 2 || bShape.length < 2) throw unsupported(node, 'MatMul with a 1-D operand');
  const b = ctx.b;
  const yShape = ctx.shape((node.output ?? [])[0]);
  const lead = yShape.slice(0, -2);
  let ga: string | undefined;
  let gb: string | undefined;
  if (ctx.isDiff(a)) {
    const bt = b.op('Transpose', [bIn], { perm: swapLast(bShape.length) });
    const shape = [
      ...broadcastShape(lead, bShape.slice(0, -2)),
      aShape[aShape.length - 2],
      aShape[aShape.length - 1],
    ];
    ga = reduceTo(ctx, b.op('MatMul', [g, bt]), shape, a);
  }
  if (ctx.isDiff(bIn)) {
    const at = b.op('Transpose', [a], { perm: swapLast(aShape.length) });
    const shape = [
      ...broadcastShape(lead, aShape.slice(0, -2)),
      bShape[bShape.length - 2],
      bShape[bShape.length - 1],
    ];
    gb = reduceTo(ctx, b.op('MatMul', [at, g]), shape, bIn);
  }
  return [ga, gb];
};

/** Inference BatchNormalization is a per-channel affine map: dX = dY * scale / sqrt(var + eps). */
const batchNorm: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  if (attrInt(node, 'training_mode', 0) !== 0) throw unsupported(node, 'training_mode=1');
  const [x, scaleName, , , varName] = node.input ?? [];
  for (const p of (node.input ?? []).slice(1)) {
    if (ctx.isDiff(p)) throw unsupported(node, 'parameters that depend on the input');
  }
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const rank = ctx.shape(x).length;
  const b = ctx.b;
  const scale = constantValues(ctx, scaleName);
  const variance = constantValues(ctx, varName);
  const channels = ctx.shape(x)[1];
  const factorShape = [channels, ...new Array(rank - 2).fill(1)];
  let factor: string;
  if (scale && variance) {
    const f = new Float64Array(channels);
    for (let c = 0; c < channels; c++) f[c] = scale.values[c] / Math.sqrt(variance.values[c] + eps);
    factor = b.floats(factorShape, f, 'bn_factor');
  } else {
    const raw = b.op('Div', [scaleName, b.op('Sqrt', [b.op('Add', [varName, b.scalar(eps)])])]);
    factor = b.op('Reshape', [raw, b.int64s(factorShape)]);
  }
  return [b.op('Mul', [g, factor])];
};

export const linearRules: Record<string, BackwardRule> = {
  Gemm: gemm,
  MatMul: matMul,
  BatchNormalization: batchNorm,
};
