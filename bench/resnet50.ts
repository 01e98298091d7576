/**
 * A ResNet-50-shaped ONNX model with random weights (batch-norm folded into conv biases, as exported inference
 * graphs are), built with onnx-proto for throughput benchmarks: same layer shapes and FLOPs as torchvision's.
 * Outputs: logits [N,1000], features [N,2048], feature_map [N,2048,7,7].
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const INTS = onnx.AttributeProto.AttributeType.INTS;
const INT = onnx.AttributeProto.AttributeType.INT;

export function buildResnet50(seed = 1): Uint8Array {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const inits: onnxProto.onnx.ITensorProto[] = [];
  let id = 0;
  const weight = (dims: number[], scale: number) => {
    const name = `w${id++}`;
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rand() * scale;
    inits.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  };
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, relu: boolean): string => {
    const out = `t${id++}`;
    const pad = Math.floor(k / 2);
    nodes.push({
      opType: 'Conv',
      input: [x, weight([cout, cin, k, k], Math.sqrt(6 / (cin * k * k))), weight([cout], 0.01)],
      output: [out],
      attribute: [
        { name: 'kernel_shape', type: INTS, ints: [k, k] },
        { name: 'strides', type: INTS, ints: [stride, stride] },
        { name: 'pads', type: INTS, ints: [pad, pad, pad, pad] },
      ],
    });
    if (!relu) return out;
    const r = `t${id++}`;
    nodes.push({ opType: 'Relu', input: [out], output: [r] });
    return r;
  };
  let x = conv('input', 3, 64, 7, 2, true);
  const pooled = `t${id++}`;
  nodes.push({
    opType: 'MaxPool',
    input: [x],
    output: [pooled],
    attribute: [
      { name: 'kernel_shape', type: INTS, ints: [3, 3] },
      { name: 'strides', type: INTS, ints: [2, 2] },
      { name: 'pads', type: INTS, ints: [1, 1, 1, 1] },
    ],
  });
  x = pooled;
  let cin = 64;
  const stages: [number, number, number][] = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ];
  stages.forEach(([width, blocks, stride], s) => {
    for (let b = 0; b < blocks; b++) {
      const st = b === 0 ? stride : 1;
      const a = conv(x, cin, width, 1, 1, true);
      const m = conv(a, width, width, 3, st, true);
      const c = conv(m, width, width * 4, 1, 1, false);
      const shortcut = b === 0 ? conv(x, cin, width * 4, 1, st, false) : x;
      const sum = `t${id++}`;
      nodes.push({ opType: 'Add', input: [c, shortcut], output: [sum] });
      const out = s === 3 && b === blocks - 1 ? 'feature_map' : `t${id++}`;
      nodes.push({ opType: 'Relu', input: [sum], output: [out] });
      x = out;
      cin = width * 4;
    }
  });
  nodes.push({ opType: 'GlobalAveragePool', input: ['feature_map'], output: ['gap'] });
  nodes.push({
    opType: 'Flatten',
    input: ['gap'],
    output: ['features'],
    attribute: [{ name: 'axis', type: INT, i: 1 }],
  });
  nodes.push({
    opType: 'Gemm',
    input: ['features', weight([1000, 2048], 0.05), weight([1000], 0.01)],
    output: ['logits'],
    attribute: [{ name: 'transB', type: INT, i: 1 }],
  });
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'faultline-bench',
    graph: {
      name: 'resnet50-random',
      node: nodes,
      initializer: inits,
      input: [vi('input', ['N', 3, 224, 224])],
      output: [vi('logits', ['N', 1000]), vi('features', ['N', 2048]), vi('feature_map', ['N', 2048, 7, 7])],
    },
  }).finish();
}

/** Cache directory shared by the benchmarks (outside the repo). */
export const BENCH_CACHE = join(tmpdir(), 'faultline-bench');

/** The ResNet-50-shaped model file, built once and reused by every benchmark. */
export function cachedResnet50(): string {
  mkdirSync(BENCH_CACHE, { recursive: true });
  const file = join(BENCH_CACHE, 'resnet50-random.onnx');
  if (!existsSync(file)) {
    console.log('building ResNet-50-shaped model (random weights) ...');
    writeFileSync(file, buildResnet50());
  }
  return file;
}

/** `--name <number>` from the command line, or the fallback. */
export function numberFlag(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
