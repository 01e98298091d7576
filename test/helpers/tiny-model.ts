/**
 * A tiny CNN built with onnx-proto for tests: input [N,3,S,S] -> Conv(3->C, 3x3, pad 1) -> Relu = feature_map
 * -> GlobalAveragePool -> Flatten = features -> Gemm = logits [N,K]. Seeded weights, so outputs are reproducible.
 */
import { writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

export interface TinyModelOptions {
  size?: number;
  channels?: number;
  classes?: number;
  seed?: number;
  /** Output names; default logits / features / feature_map. */
  names?: { logits?: string; features?: string; featureMap?: string };
}

export function buildTinyModel(opts: TinyModelOptions = {}): Uint8Array {
  const size = opts.size ?? 16;
  const c = opts.channels ?? 4;
  const k = opts.classes ?? 3;
  const rand = mulberry32(opts.seed ?? 1);
  const w = (n: number) => Array.from({ length: n }, () => rand() * 2 - 1);
  const names = { logits: 'logits', features: 'features', featureMap: 'feature_map', ...opts.names };
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'tiny',
    node: [
      {
        opType: 'Conv',
        input: ['input', 'conv_w', 'conv_b'],
        output: [names.featureMap + '_pre'],
        attribute: [
          { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] },
          { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [3, 3] },
        ],
      },
      { opType: 'Relu', input: [names.featureMap + '_pre'], output: [names.featureMap] },
      { opType: 'GlobalAveragePool', input: [names.featureMap], output: ['pooled'] },
      { opType: 'Flatten', input: ['pooled'], output: [names.features] },
      {
        opType: 'Gemm',
        input: [names.features, 'fc_w', 'fc_b'],
        output: [names.logits],
        attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      },
    ],
    initializer: [
      tensor('conv_w', [c, 3, 3, 3], w(c * 27)),
      tensor('conv_b', [c], w(c)),
      tensor(
        'fc_w',
        [k, c],
        w(k * c).map((v) => v * 4),
      ),
      tensor('fc_b', [k], w(k)),
    ],
    input: [valueInfo('input', ['N', 3, size, size])],
    output: [
      valueInfo(names.logits, ['N', k]),
      valueInfo(names.features, ['N', c]),
      valueInfo(names.featureMap, ['N', c, size, size]),
    ],
  };
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'faultline-tests',
    graph,
  };
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function writeTinyModel(file: string, opts: TinyModelOptions = {}): void {
  writeFileSync(file, buildTinyModel(opts));
}
