import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gradCheck, tinyModel } from './gradcheck.js';
import { buildGradientModel, GRADIENT_IO } from './gradient.js';
import { DataType, encodeModel, makeNode, makeTensor, type TensorProto } from './proto.js';

/**
 * QDQ graph: x -> Q/DQ (uint8) -> Conv(DQ(int8 weights, per-channel)) -> Relu -> Q/DQ -> GlobalAveragePool.
 * Activations become Clip(saturation range), weights are folded to float.
 */
function qdqModel() {
  const weights = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => ((i * 37) % 255) - 127);
  const inits: TensorProto[] = [
    makeTensor('xs', DataType.FLOAT, [], [1 / 255]),
    { name: 'xz', dataType: DataType.UINT8, dims: [], rawData: Uint8Array.from([0]) },
    {
      name: 'wq',
      dataType: DataType.INT8,
      dims: [4, 3, 3, 3],
      rawData: Uint8Array.from(weights, (v) => v & 0xff),
    },
    makeTensor('ws', DataType.FLOAT, [4], [0.002, 0.003, 0.001, 0.004]),
    { name: 'wz', dataType: DataType.INT8, dims: [4], rawData: new Uint8Array(4) },
    makeTensor('ys', DataType.FLOAT, [], [0.01]),
    { name: 'yz', dataType: DataType.UINT8, dims: [], rawData: Uint8Array.from([0]) },
  ];
  return tinyModel({
    nodes: [
      makeNode('QuantizeLinear', ['x', 'xs', 'xz'], ['xq'], 'qx'),
      makeNode('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd'], 'dqx'),
      makeNode('DequantizeLinear', ['wq', 'ws', 'wz'], ['w'], 'dqw', { axis: 0 }),
      makeNode('Conv', ['xd', 'w'], ['c'], 'conv', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      makeNode('Relu', ['c'], ['r'], 'relu'),
      makeNode('QuantizeLinear', ['r', 'ys', 'yz'], ['rq'], 'qr'),
      makeNode('DequantizeLinear', ['rq', 'ys', 'yz'], ['rd'], 'dqr'),
      makeNode('GlobalAveragePool', ['rd'], ['p'], 'gap'),
      makeNode('Flatten', ['p'], ['f'], 'flat', { axis: 1 }),
    ],
    initializers: inits,
    inputShape: [2, 3, 5, 5],
    features: 'f',
    opset: 13,
  });
}

describe('dequantisation of QDQ graphs', () => {
  const shape = [2, 3, 5, 5];
  // inside (0, 1), away from the input's saturation limits
  const x = Array.from({ length: 150 }, (_, i) => 0.051 + (0.9 * ((i * 7919) % 150)) / 150);

  it('keeps the forward values within quantisation error', async () => {
    const model = qdqModel();
    const quantized = await ort.InferenceSession.create(encodeModel(model));
    const expected = (await quantized.run({ x: new ort.Tensor('float32', Float32Array.from(x), shape) })).f
      .data as Float32Array;
    const grad = await buildGradientModel(model, { features: 'f', inputShape: shape });
    const session = await ort.InferenceSession.create(encodeModel(grad.model));
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from(x), shape),
      [GRADIENT_IO.selector]: new ort.Tensor('float32', new Float32Array(8), [2, 4]),
    });
    const got = out[GRADIENT_IO.features].data as Float32Array;
    // input rounding (1/255 steps) through the conv plus output rounding (0.01 steps)
    got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(0.02));
  });

  it('differentiates straight through the rounding, keeping saturation', async () => {
    const { relativeError } = await gradCheck(qdqModel(), x, shape, { features: 'f' }, 1e-3);
    expect(relativeError).toBeLessThan(1e-3);
  });
});
