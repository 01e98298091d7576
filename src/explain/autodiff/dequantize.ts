/**
 * Turns an int8/uint8-quantized ONNX graph (QOperator ops such as QLinearConv, or QDQ pairs) into a float graph
 * that autodiff can walk. Quantized tensors keep their names but now carry float values:
 * - constant weights and biases are dequantized once here (constant folding of DequantizeLinear);
 * - a quantized activation is replaced by its float value clipped to the quantized range. Rounding is ignored
 *   (straight-through), but saturation is kept, because QOperator models fuse ReLU / ReLU6 into that range:
 *   dropping it would remove the network's nonlinearity.
 */
import { FaultlineError } from '../../shared/errors.js';
import {
  DataType,
  attrInt,
  describeNode,
  dims,
  makeNode,
  makeTensor,
  tensorValues,
  type NodeProto,
  type TensorProto,
} from './proto.js';

const QOPS = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'QLinearConv',
  'QLinearAdd',
  'QLinearMul',
  'QLinearMatMul',
  'QLinearGlobalAveragePool',
]);

export function isQuantized(nodes: readonly NodeProto[]): boolean {
  return nodes.some((n) => QOPS.has(n.opType ?? '') || (n.opType ?? '').startsWith('QLinear'));
}

export interface FloatGraph {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

/** Rewrites quantized ops to float ops. `initializers` are the graph's own; new float ones are added. */
export function dequantizeGraph(
  nodes: readonly NodeProto[],
  initializers: readonly TensorProto[],
): FloatGraph {
  const inits = new Map(initializers.map((t) => [t.name ?? '', t]));
  const out: NodeProto[] = [];
  const added: TensorProto[] = [];
  let counter = 0;
  const fresh = (hint: string) => `dq/${hint}_${counter++}`;

  const constant = (name: string, node: NodeProto): Float64Array => {
    const t = inits.get(name);
    if (!t)
      throw new FaultlineError(`${describeNode(node)}: expected "${name}" to be a constant initializer`);
    return tensorValues(t);
  };
  const floatConst = (name: string, shape: number[], values: ArrayLike<number>) => {
    added.push(makeTensor(name, DataType.FLOAT, shape, values));
    inits.set(name, added[added.length - 1]);
    return name;
  };
  /** [lo, hi] of real values a quantized tensor with this scale / zero point can hold. */
  const range = (scaleName: string, zpName: string | undefined, node: NodeProto): [number, number] => {
    const scale = constant(scaleName, node)[0];
    const zpTensor = zpName ? inits.get(zpName) : undefined;
    const zp = zpName ? constant(zpName, node)[0] : 0;
    const signed = zpTensor?.dataType === DataType.INT8;
    const [qmin, qmax] = signed ? [-128, 127] : [0, 255];
    return [(qmin - zp) * scale, (qmax - zp) * scale];
  };
  const clipTo = (input: string, output: string, r: [number, number], node: NodeProto) => {
    const lo = floatConst(fresh('lo'), [], [r[0]]);
    const hi = floatConst(fresh('hi'), [], [r[1]]);
    out.push(makeNode('Clip', [input, lo, hi], [output], `${node.name ?? 'q'}/saturate`));
  };
  /** Dequantizes a constant (per-tensor or per-axis) into a new float initializer. */
  const foldDequantize = (
    q: string,
    scaleName: string,
    zpName: string | undefined,
    axis: number,
    node: NodeProto,
    name?: string,
  ) => {
    const t = inits.get(q);
    if (!t) throw new FaultlineError(`${describeNode(node)}: expected "${q}" to be a constant initializer`);
    const shape = dims(t);
    const values = tensorValues(t);
    const scale = constant(scaleName, node);
    const zp = zpName ? constant(zpName, node) : new Float64Array(scale.length);
    const result = new Float32Array(values.length);
    const ax = axis < 0 ? axis + shape.length : axis;
    const inner = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const channels = shape[ax] ?? 1;
    for (let i = 0; i < values.length; i++) {
      const c = scale.length > 1 ? Math.floor(i / inner) % channels : 0;
      result[i] = (values[i] - (zp[c] ?? 0)) * scale[c];
    }
    return floatConst(name ?? fresh(`${q}_float`), shape, result);
  };

  for (const node of nodes) {
    const op = node.opType ?? '';
    const inp = node.input ?? [];
    const outp = node.output ?? [];
    const domainOk = !node.domain || node.domain === 'ai.onnx' || node.domain === 'com.microsoft';
    if (!domainOk) {
      out.push(node);
      continue;
    }
    switch (op) {
      case 'QuantizeLinear': {
        if (inits.has(inp[0])) {
          out.push(node); // quantizing a constant: rare, keep as is (not differentiable anyway)
          break;
        }
        clipTo(inp[0], outp[0], range(inp[1], inp[2], node), node);
        break;
      }
      case 'DequantizeLinear': {
        if (inits.has(inp[0]))
          foldDequantize(inp[0], inp[1], inp[2], attrInt(node, 'axis', 1), node, outp[0]);
        else out.push(makeNode('Identity', [inp[0]], [outp[0]], node.name ?? fresh('dq')));
        break;
      }
      case 'QLinearConv': {
        const w = foldDequantize(inp[3], inp[4], inp[5], 0, node);
        const convInputs = [inp[0], w];
        if (inp[8]) {
          const xScale = constant(inp[1], node)[0];
          const wScale = constant(inp[4], node);
          const bq = constant(inp[8], node);
          const bias = Float32Array.from(
            bq,
            (v, c) => v * xScale * (wScale.length > 1 ? wScale[c] : wScale[0]),
          );
          convInputs.push(floatConst(fresh(`${inp[8]}_float`), [bias.length], bias));
        }
        const pre = fresh(`${outp[0]}_pre`);
        out.push(makeNode('Conv', convInputs, [pre], node.name ?? fresh('conv')));
        out[out.length - 1].attribute = node.attribute;
        clipTo(pre, outp[0], range(inp[6], inp[7], node), node);
        break;
      }
      case 'QLinearAdd':
      case 'QLinearMul':
      case 'QLinearMatMul': {
        const a = inits.has(inp[0]) ? foldDequantize(inp[0], inp[1], inp[2], 1, node) : inp[0];
        const b = inits.has(inp[3]) ? foldDequantize(inp[3], inp[4], inp[5], 1, node) : inp[3];
        const floatOp = op === 'QLinearAdd' ? 'Add' : op === 'QLinearMul' ? 'Mul' : 'MatMul';
        const pre = fresh(`${outp[0]}_pre`);
        out.push(makeNode(floatOp, [a, b], [pre], node.name ?? fresh(floatOp)));
        clipTo(pre, outp[0], range(inp[6], inp[7], node), node);
        break;
      }
      case 'QLinearGlobalAveragePool': {
        if (attrInt(node, 'channels_last', 0) !== 0) {
          throw new FaultlineError(`${describeNode(node)}: channels_last pooling is not supported`);
        }
        const pre = fresh(`${outp[0]}_pre`);
        out.push(makeNode('GlobalAveragePool', [inp[0]], [pre], node.name ?? fresh('gap')));
        clipTo(pre, outp[0], range(inp[3], inp[4], node), node);
        break;
      }
      default:
        if (op.startsWith('QLinear') || op === 'QGemm' || op === 'MatMulInteger' || op === 'ConvInteger') {
          throw new FaultlineError(
            `${describeNode(node)}: quantized op type ${op} cannot be converted to float for gradients; ` +
              'export a float model instead',
          );
        }
        out.push(node);
    }
  }
  return { nodes: out, initializers: [...initializers, ...added] };
}
