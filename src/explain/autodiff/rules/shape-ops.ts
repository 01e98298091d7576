/** Backward rules of ops that only move values around: reshapes, transposes, concatenation, padding. */
import { attrInt, attrInts, attrString } from '../proto.js';
import { constantValues, unsupported, type BackwardRule } from './context.js';

/** Flatten, Reshape, Squeeze, Unsqueeze: reshape the gradient back to the input's runtime shape. */
const reshapeBack: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const x = (node.input ?? [])[0];
  return [ctx.b.op('Reshape', [g, ctx.b.op('Shape', [x])])];
};

const transpose: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const x = (node.input ?? [])[0];
  const rank = ctx.shape(x).length;
  const perm = attrInts(node, 'perm') ?? [...Array(rank).keys()].reverse();
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return [ctx.b.op('Transpose', [g], { perm: inverse })];
};

const concat: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const inputs = node.input ?? [];
  const rank = ctx.shape(inputs[0]).length;
  let axis = attrInt(node, 'axis', 0);
  if (axis < 0) axis += rank;
  if (axis === 0) throw unsupported(node, 'concatenation along the batch axis');
  const b = ctx.b;
  let offset = 0;
  return inputs.map((input) => {
    const size = ctx.shape(input)[axis];
    const start = offset;
    offset += size;
    if (!ctx.isDiff(input)) return undefined;
    return b.op('Slice', [g, b.int64s([start]), b.int64s([start + size]), b.int64s([axis])]);
  });
};

/** Constant-mode Pad with non-negative constant pads: the gradient is the un-padded slice. */
const pad: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const [x, padsName, , axesName] = node.input ?? [];
  if (attrString(node, 'mode', 'constant') !== 'constant') throw unsupported(node, 'only constant padding');
  if (axesName) throw unsupported(node, 'Pad with an axes input');
  const pads = constantValues(ctx, padsName);
  if (!pads) throw unsupported(node, 'pads must be a constant');
  const shape = ctx.shape(x);
  const rank = shape.length;
  const begins = Array.from(pads.values.slice(0, rank));
  if ([...pads.values].some((p) => p < 0)) throw unsupported(node, 'negative pads');
  const axes = [...Array(rank).keys()];
  const b = ctx.b;
  const ends = begins.map((p, i) => (i === 0 ? Number.MAX_SAFE_INTEGER : p + shape[i]));
  return [b.op('Slice', [g, b.int64s(begins), b.int64s(ends), b.int64s(axes)])];
};

/** Slice with constant starts/ends/axes and step 1: the gradient is zero-padded back to the input's shape. */
const slice: BackwardRule = (node, [g], ctx) => {
  if (!g) return [];
  const [x, startsName, endsName, axesName, stepsName] = node.input ?? [];
  const shape = ctx.shape(x);
  const rank = shape.length;
  const starts = constantValues(ctx, startsName);
  const ends = constantValues(ctx, endsName);
  const axes = axesName ? constantValues(ctx, axesName) : undefined;
  const steps = stepsName ? constantValues(ctx, stepsName) : undefined;
  if (!starts || !ends || (axesName && !axes) || (stepsName && !steps)) {
    throw unsupported(node, 'starts, ends, axes and steps must be constants');
  }
  if (steps && [...steps.values].some((v) => v !== 1))
    throw unsupported(node, 'Slice with steps other than 1');
  const pads = new Array<number>(2 * rank).fill(0);
  starts.values.forEach((raw, i) => {
    let axis = axes ? axes.values[i] : i;
    if (axis < 0) axis += rank;
    const size = shape[axis];
    const clampIndex = (v: number) => Math.min(size, Math.max(0, v < 0 ? v + size : v));
    const begin = clampIndex(raw);
    const end = Math.max(begin, clampIndex(ends.values[i]));
    if (axis === 0 && (begin !== 0 || end !== size)) throw unsupported(node, 'slicing the batch axis');
    pads[axis] = begin;
    pads[rank + axis] = size - end;
  });
  return [ctx.b.op('Pad', [g, ctx.b.int64s(pads)])];
};

export const shapeRules: Record<string, BackwardRule> = {
  Flatten: reshapeBack,
  Reshape: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: transpose,
  Concat: concat,
  Pad: pad,
  Slice: slice,
};
