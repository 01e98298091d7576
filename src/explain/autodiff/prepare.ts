/**
 * Graph surgery before differentiation: prepend input normalisation, probe every tensor's shape with one
 * onnxruntime run, prune to what the features need, and upgrade old-opset nodes to the opset-17 forms the
 * backward rules emit.
 */
import { openSession } from '../../inference/model.js';
import { FaultlineError } from '../../shared/errors.js';
import {
  DataType,
  attr,
  attrInt,
  attrInts,
  describeNode,
  encodeModel,
  makeNode,
  makeTensor,
  onnx,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';

export interface WorkGraph {
  nodes: NodeProto[];
  initializers: TensorProto[];
  /** The (single) image input. */
  input: ValueInfoProto;
  opset: number;
}

export interface TensorInfo {
  /** Shape observed with a probe batch of PROBE_BATCH images. */
  shape: number[];
  /** Element type as onnxruntime names it ('float32', 'float64', ...). */
  type: string;
}

/** Batch size of the shape probe: 2, so a batch axis is never confused with a broadcast axis of size 1. */
export const PROBE_BATCH = 2;

/** Feeds `(x - mean) / std` to the model so the new input takes pixels in [0, 1]. */
export function prependNormalization(
  graph: WorkGraph,
  mean: readonly number[],
  std: readonly number[],
): WorkGraph {
  if (mean.every((m) => m === 0) && std.every((s) => s === 1)) return graph;
  const name = graph.input.name ?? 'input';
  const inner = `${name}/normalized`;
  const elem = graph.input.type?.tensorType?.elemType ?? DataType.FLOAT;
  const meanName = `${name}/mean`;
  const stdName = `${name}/std`;
  const centered = `${name}/centered`;
  const shape = [1, mean.length, 1, 1];
  const renamed = graph.nodes.map((n) => ({
    ...n,
    input: (n.input ?? []).map((i) => (i === name ? inner : i)),
  }));
  return {
    ...graph,
    nodes: [
      makeNode('Sub', [name, meanName], [centered], `${name}/normalize_sub`),
      makeNode('Div', [centered, stdName], [inner], `${name}/normalize_div`),
      ...renamed,
    ],
    initializers: [
      ...graph.initializers,
      makeTensor(meanName, elem, shape, mean),
      makeTensor(stdName, elem, shape, std),
    ],
  };
}

/** Runs the graph once on a random batch and records the shape and type of every tensor it computes. */
export async function probeShapes(
  graph: WorkGraph,
  inputShape: readonly number[],
  batch = PROBE_BATCH,
): Promise<Map<string, TensorInfo>> {
  const outputs = new Set<string>();
  for (const n of graph.nodes) for (const o of n.output ?? []) if (o) outputs.add(o);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [
      { domain: '', version: graph.opset },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'probe',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [graph.input],
      output: [...outputs].map((name) => onnx.ValueInfoProto.create({ name })),
    },
  });
  const elem = graph.input.type?.tensorType?.elemType ?? DataType.FLOAT;
  const shape = [batch, ...inputShape.slice(1)];
  const count = shape.reduce((a, b) => a * b, 1);
  const data = elem === DataType.DOUBLE ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = Math.random();
  const session = await openSession(encodeModel(model), { optimization: 'basic', quiet: true });
  try {
    const feeds = {
      [graph.input.name ?? '']: { data, dims: shape },
    };
    const result = await session.run(feeds);
    const info = new Map<string, TensorInfo>();
    for (const [name, t] of Object.entries(result)) info.set(name, { shape: [...t.dims], type: t.type });
    info.set(graph.input.name ?? '', { shape, type: elem === DataType.DOUBLE ? 'float64' : 'float32' });
    return info;
  } finally {
    await session.release();
  }
}

/** Keeps only the nodes and initializers that `targets` depend on. */
export function prune(graph: WorkGraph, targets: readonly string[]): WorkGraph {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)));
  const keep = new Set<number>();
  const needed = new Set<string>();
  const stack = [...targets];
  while (stack.length) {
    const t = stack.pop() as string;
    if (needed.has(t)) continue;
    needed.add(t);
    const p = producer.get(t);
    if (p === undefined || keep.has(p)) continue;
    keep.add(p);
    for (const i of graph.nodes[p].input ?? []) if (i) stack.push(i);
  }
  return {
    ...graph,
    nodes: graph.nodes.filter((_, i) => keep.has(i)),
    initializers: graph.initializers.filter((t) => needed.has(t.name ?? '')),
  };
}

/** Ops whose meaning changed before opset 13 in ways this module does not convert. */
const SEMANTICS_CHANGED_AT_13 = new Set(['Softmax', 'LogSoftmax', 'Hardmax']);

/**
 * Rewrites nodes of an opset 7-16 graph into their opset-17 forms: attributes that became inputs (Unsqueeze,
 * Squeeze, ReduceSum, Split at 13; Clip, Pad at 11; Slice at 10), BatchNormalization's old `spatial` flag, and
 * inference Dropout as Identity.
 */
export function upgradeOpset(graph: WorkGraph, target = 17): WorkGraph {
  if (graph.opset >= target) return graph;
  if (graph.opset < 7) {
    throw new FaultlineError(
      `model opset ${graph.opset} is too old for gradients (need 7 or newer); re-export the model`,
    );
  }
  const extra: TensorProto[] = [];
  let counter = 0;
  const ints = (values: number[]) => {
    const name = `upgrade/ints_${counter++}`;
    extra.push(makeTensor(name, DataType.INT64, [values.length], values));
    return name;
  };
  const nodes = graph.nodes.map((node) => {
    if (node.domain && node.domain !== 'ai.onnx') return node;
    const op = node.opType ?? '';
    if (graph.opset < 13 && SEMANTICS_CHANGED_AT_13.has(op)) {
      throw new FaultlineError(
        `${describeNode(node)}: ${op} at opset ${graph.opset} cannot be upgraded for gradients`,
      );
    }
    const moveToInput = (attrName: string): NodeProto => {
      const values = attrInts(node, attrName);
      if (graph.opset >= 13 || values === undefined) return node;
      return {
        ...node,
        input: [...(node.input ?? []), ints(values)],
        attribute: (node.attribute ?? []).filter((a) => a.name !== attrName),
      };
    };
    const without = (...names: string[]) =>
      (node.attribute ?? []).filter((a) => !names.includes(a.name ?? ''));
    const floatConst = (value: number) => {
      const name = `upgrade/float_${counter++}`;
      extra.push(makeTensor(name, DataType.FLOAT, [], [value]));
      return name;
    };
    const inputs = node.input ?? [];
    if (op === 'Dropout') {
      if ((node.output ?? []).length > 1 && (node.output ?? [])[1]) {
        throw new FaultlineError(`${describeNode(node)}: a Dropout mask output is not supported`);
      }
      return {
        ...node,
        opType: 'Identity',
        input: [inputs[0]],
        output: [(node.output ?? [])[0]],
        attribute: [],
      };
    }
    if (op === 'BatchNormalization' && graph.opset < 9) {
      if (attrInt(node, 'spatial', 1) !== 1)
        throw new FaultlineError(`${describeNode(node)}: spatial=0 is not supported`);
      return { ...node, attribute: without('spatial', 'is_test') };
    }
    if (op === 'Clip' && graph.opset < 11) {
      const lo = attr(node, 'min');
      const hi = attr(node, 'max');
      return {
        ...node,
        input: [inputs[0], lo ? floatConst(lo.f ?? 0) : '', hi ? floatConst(hi.f ?? 0) : ''],
        attribute: without('min', 'max'),
      };
    }
    if (op === 'Pad' && graph.opset < 11) {
      const pads = attrInts(node, 'pads') ?? [];
      const value = attr(node, 'value');
      return {
        ...node,
        input: [inputs[0], ints(pads), floatConst(value?.f ?? 0)],
        attribute: without('pads', 'value'),
      };
    }
    if (op === 'Slice' && graph.opset < 10) {
      const starts = attrInts(node, 'starts') ?? [];
      const ends = attrInts(node, 'ends') ?? [];
      const axes = attrInts(node, 'axes') ?? starts.map((_, i) => i);
      return { ...node, input: [inputs[0], ints(starts), ints(ends), ints(axes)], attribute: [] };
    }
    if (op === 'Upsample')
      throw new FaultlineError(`${describeNode(node)}: Upsample (opset < 10) is not supported`);
    if (op === 'Unsqueeze' || op === 'Squeeze' || op === 'ReduceSum') return moveToInput('axes');
    if (op === 'Split') {
      const values = attrInts(node, 'split');
      if (graph.opset >= 13 || values === undefined) return node;
      return {
        ...node,
        input: [(node.input ?? [])[0], ints(values)],
        attribute: (node.attribute ?? []).filter((a) => a.name !== 'split'),
      };
    }
    return node;
  });
  return { ...graph, nodes, initializers: [...graph.initializers, ...extra], opset: target };
}
