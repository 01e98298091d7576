/**
 * Reverse-mode autodiff over an ONNX graph. Given a forward model and the name of a features tensor ([N,D], or a
 * [N,D,h,w] map that is global-average-pooled), builds one model with
 *   inputs:  the image input (same name; pixels in [0,1] when a normalisation is prepended) and
 *            `faultline_selector` [N,D]
 *   outputs: `faultline_features` [N,D] and `faultline_input_grad` = d sum(features * selector) / d input.
 * A one-hot selector gives the gradient of one feature; any other direction works too.
 */
import { FaultlineError } from '../../shared/errors.js';
import { GraphBuilder } from './builder.js';
import { dequantizeGraph, isQuantized } from './dequantize.js';
import {
  PROBE_BATCH,
  probeShapes,
  prependNormalization,
  prune,
  upgradeOpset,
  type TensorInfo,
  type WorkGraph,
} from './prepare.js';
import {
  DataType,
  defaultOpset,
  describeNode,
  makeNode,
  makeValueInfo,
  onnx,
  toNumber,
  valueInfoShape,
  type ModelProto,
  type NodeProto,
} from './proto.js';
import type { BackwardRule, RuleContext } from './rules/context.js';
import { convRules } from './rules/conv.js';
import { elementwiseRules } from './rules/elementwise.js';
import { linearRules } from './rules/linear.js';
import { poolRules } from './rules/pool.js';
import { shapeRules } from './rules/shape-ops.js';

export const GRADIENT_IO = {
  selector: 'faultline_selector',
  features: 'faultline_features',
  inputGrad: 'faultline_input_grad',
} as const;

/** Bump when the generated graph changes, so cached gradient models are rebuilt. */
export const AUTODIFF_VERSION = 4;

export const BACKWARD_RULES: Record<string, BackwardRule> = {
  ...elementwiseRules,
  ...convRules,
  ...poolRules,
  ...shapeRules,
  ...linearRules,
};

/** Input slots through which gradients can flow; other slots (shapes, axes, indices) are never differentiated. */
const DIFF_SLOTS: Record<string, number[]> = {
  Reshape: [0],
  Expand: [0],
  Slice: [0],
  Gather: [0],
  Squeeze: [0],
  Unsqueeze: [0],
  Pad: [0, 2],
  Tile: [0],
  Split: [0],
  ReduceSum: [0],
  ReduceMean: [0],
  Resize: [0],
  Upsample: [0],
  Where: [1, 2],
  Dropout: [0],
};

/** Ops whose outputs never carry gradients (shape computations, comparisons, indices). */
const NON_DIFF_OPS = new Set([
  'Shape',
  'Size',
  'ConstantOfShape',
  'Constant',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'Not',
  'And',
  'Or',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'Range',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
]);

export interface GradientModelOptions {
  /** Name of the features tensor: [N,D] or a [N,D,h,w] map (global-average-pooled to [N,D]). */
  features: string;
  /** The image input; default: the model's only non-initializer input. */
  input?: string;
  /** Prepend (x - mean) / std so the new input takes [0,1] pixels; omit (or 0/1) when the model normalises itself. */
  normalize?: { mean: readonly number[]; std: readonly number[] };
  /** Input shape [N,C,H,W] to use where the model leaves spatial dims symbolic. */
  inputShape?: readonly number[];
}

export interface GradientModel {
  model: ModelProto;
  input: string;
  /** Input shape with the batch axis as -1. */
  inputShape: number[];
  featureCount: number;
  /** Number of forward nodes that got a backward rule. */
  differentiatedNodes: number;
  /** Set when the model only runs one image at a time (its graph fixes the batch size). */
  maxBatch?: number;
}

function resolveInputShape(
  declared: (number | string)[] | undefined,
  given: readonly number[] | undefined,
  name: string,
): number[] {
  if (given) return [-1, ...given.slice(1)];
  if (!declared) throw new FaultlineError(`model input "${name}" has no declared shape; pass inputShape`);
  return declared.map((d, i) => {
    if (i === 0) return -1;
    if (typeof d === 'number' && d > 0) return d;
    throw new FaultlineError(`model input "${name}" has a symbolic dimension ${i} (${d}); pass inputShape`);
  });
}

export async function buildGradientModel(
  source: ModelProto,
  options: GradientModelOptions,
): Promise<GradientModel> {
  const graph = source.graph;
  if (!graph) throw new FaultlineError('model has no graph');
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (graph.input ?? []).filter((i) => !initNames.has(i.name ?? ''));
  const input = options.input
    ? inputs.find((i) => i.name === options.input)
    : inputs.length === 1
      ? inputs[0]
      : undefined;
  if (!input) {
    throw new FaultlineError(
      options.input
        ? `model has no input "${options.input}" (inputs: ${inputs.map((i) => i.name).join(', ')})`
        : `model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); name the image input`,
    );
  }
  const inputName = input.name ?? '';
  const inputShape = resolveInputShape(valueInfoShape(input), options.inputShape, inputName);
  const floatType = input.type?.tensorType?.elemType ?? DataType.FLOAT;

  let nodes = (graph.node ?? []).map((n) => ({ ...n }));
  let initializers = [...(graph.initializer ?? [])];
  if (isQuantized(nodes)) ({ nodes, initializers } = dequantizeGraph(nodes, initializers));
  const pixelInput = makeValueInfo(inputName, floatType, ['N', ...inputShape.slice(1)]);
  let work: WorkGraph = { nodes, initializers, input: pixelInput, opset: defaultOpset(source) };
  if (options.normalize) work = prependNormalization(work, options.normalize.mean, options.normalize.std);

  // Graphs with the batch size baked in (e.g. Reshape to [1, -1]) fail the batch-2 probe, or fold the batch into
  // the features: build those for batch 1 (FeatureGradient then runs one image at a time).
  let maxBatch: number | undefined;
  let shapes: Map<string, TensorInfo> | undefined;
  try {
    shapes = await probeShapes(work, inputShape);
  } catch {
    shapes = undefined;
  }
  const probed = shapes?.get(options.features);
  if (!shapes || (probed && probed.shape[0] !== PROBE_BATCH)) {
    try {
      shapes = await probeShapes(work, inputShape, 1);
    } catch (error) {
      throw new FaultlineError(
        `onnxruntime cannot run the model: ${(error as Error).message.split('\n')[0]}`,
      );
    }
    maxBatch = 1;
  }
  const featureInfo = shapes.get(options.features);
  if (!featureInfo)
    throw new FaultlineError(`model has no tensor named "${options.features}" to take features from`);
  const rank = featureInfo.shape.length;
  if (rank !== 2 && rank !== 4) {
    throw new FaultlineError(
      `features tensor "${options.features}" has shape [${featureInfo.shape}]; expected [N,D] or [N,D,h,w]`,
    );
  }
  const featureCount = featureInfo.shape[1];
  if (rank === 4) {
    const pooled = `${GRADIENT_IO.features}/pooled`;
    work.nodes.push(
      makeNode('GlobalAveragePool', [options.features], [pooled], `${GRADIENT_IO.features}/pool`),
    );
    work.nodes.push(
      makeNode('Flatten', [pooled], [GRADIENT_IO.features], `${GRADIENT_IO.features}/flatten`, { axis: 1 }),
    );
    shapes.set(pooled, { shape: [...featureInfo.shape.slice(0, 2), 1, 1], type: featureInfo.type });
  } else {
    work.nodes.push(
      makeNode('Identity', [options.features], [GRADIENT_IO.features], `${GRADIENT_IO.features}/identity`),
    );
  }
  shapes.set(GRADIENT_IO.features, { shape: featureInfo.shape.slice(0, 2), type: featureInfo.type });

  work = upgradeOpset(prune(work, [GRADIENT_IO.features]));
  const { backward, differentiated } = appendBackward(work, shapes, inputName, floatType);

  const model = onnx.ModelProto.create({
    irVersion: Math.max(8, toNumber(source.irVersion)),
    producerName: 'faultline-autodiff',
    opsetImport: [
      { domain: '', version: work.opset },
      ...(source.opsetImport ?? []).filter((o) => o.domain && o.domain !== 'ai.onnx'),
    ],
    graph: {
      name: `${graph.name ?? 'model'}_input_gradient`,
      node: [...work.nodes, ...backward.nodes],
      initializer: [...work.initializers, ...backward.initializers],
      input: [pixelInput, makeValueInfo(GRADIENT_IO.selector, floatType, ['N', featureCount])],
      output: [
        makeValueInfo(GRADIENT_IO.features, floatType, ['N', featureCount]),
        makeValueInfo(GRADIENT_IO.inputGrad, floatType, ['N', ...inputShape.slice(1)]),
      ],
    },
  });
  return { model, input: inputName, inputShape, featureCount, differentiatedNodes: differentiated, maxBatch };
}

/** Emits the backward graph for all forward nodes on a path from the input to the features. */
function appendBackward(
  work: WorkGraph,
  shapes: Map<string, TensorInfo>,
  inputName: string,
  floatType: number,
): { backward: GraphBuilder; differentiated: number } {
  const existing = new Set<string>();
  for (const n of work.nodes) {
    for (const t of [...(n.input ?? []), ...(n.output ?? [])]) existing.add(t);
    if (n.name) existing.add(n.name);
  }
  for (const t of work.initializers) existing.add(t.name ?? '');
  const b = new GraphBuilder(existing, floatType);
  const inits = new Map(work.initializers.map((t) => [t.name ?? '', t]));

  const diff = new Set<string>([inputName]);
  const isDiffSlot = (node: NodeProto, slot: number) => {
    const slots = DIFF_SLOTS[node.opType ?? ''];
    return !slots || slots.includes(slot);
  };
  const diffInputs = (node: NodeProto) =>
    (node.input ?? []).some((name, slot) => name && diff.has(name) && isDiffSlot(node, slot));
  for (const node of work.nodes) {
    if (NON_DIFF_OPS.has(node.opType ?? '') || !diffInputs(node)) continue;
    // Only a MaxPool's values are differentiable, not its indices.
    const outs = node.opType === 'MaxPool' ? (node.output ?? []).slice(0, 1) : (node.output ?? []);
    for (const o of outs) if (o) diff.add(o);
  }
  if (!diff.has(GRADIENT_IO.features)) {
    throw new FaultlineError(`features do not depend on the input "${inputName}"; nothing to differentiate`);
  }

  const ctx: RuleContext = {
    b,
    shape(name) {
      const info = shapes.get(name);
      if (info) return info.shape;
      const t = inits.get(name);
      if (t) return (t.dims ?? []).map(toNumber);
      throw new Error(`autodiff: no shape known for tensor "${name}"`);
    },
    isDiff: (name) => Boolean(name) && diff.has(name),
    initializer: (name) => inits.get(name),
  };

  const grads = new Map<string, string[]>([[GRADIENT_IO.features, [GRADIENT_IO.selector]]]);
  const total = (name: string): string | undefined => {
    const parts = grads.get(name);
    if (!parts || parts.length === 0) return undefined;
    return parts.length === 1 ? parts[0] : b.op('Sum', parts);
  };
  let differentiated = 0;
  for (let i = work.nodes.length - 1; i >= 0; i--) {
    const node = work.nodes[i];
    if (NON_DIFF_OPS.has(node.opType ?? '') || !diffInputs(node)) continue;
    const gradOutputs = (node.output ?? []).map((o) => (o ? total(o) : undefined));
    if (gradOutputs.every((g) => g === undefined)) continue;
    const domain = node.domain ?? '';
    const rule = domain === '' || domain === 'ai.onnx' ? BACKWARD_RULES[node.opType ?? ''] : undefined;
    if (!rule) {
      throw new FaultlineError(
        `cannot differentiate ${describeNode(node)}: op type ${domain ? `${domain}.` : ''}${node.opType} has no backward rule ` +
          `(supported: ${Object.keys(BACKWARD_RULES).sort().join(', ')})`,
      );
    }
    const gradInputs = rule(node, gradOutputs, ctx);
    differentiated++;
    (node.input ?? []).forEach((name, slot) => {
      const g = gradInputs[slot];
      if (!g || !name || !diff.has(name) || !isDiffSlot(node, slot)) return;
      const list = grads.get(name) ?? [];
      list.push(g);
      grads.set(name, list);
    });
  }
  const inputGrad = total(inputName);
  if (!inputGrad) throw new FaultlineError(`no gradient reached the input "${inputName}"`);
  b.op('Identity', [inputGrad], {}, GRADIENT_IO.inputGrad);
  return { backward: b, differentiated };
}
