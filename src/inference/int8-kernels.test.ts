import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { countU8S8Nodes, cpuHasVnni, int8SaturationWarning } from './int8-kernels.js';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

/** A graph (not runnable, only decoded) with one QLinearConv whose weight has the given type, and one Conv. */
function modelBytes(weightType: number): Uint8Array {
  const model = onnx.ModelProto.create({
    graph: onnx.GraphProto.create({
      initializer: [onnx.TensorProto.create({ name: 'w', dataType: weightType, dims: [1] })],
      node: [
        onnx.NodeProto.create({
          opType: 'QLinearConv',
          input: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'],
        }),
        onnx.NodeProto.create({ opType: 'Conv', input: ['x', 'w'] }),
      ],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

const cpuinfo = (flags: string): string => `processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: ${flags}\n`;

describe('int8 saturation check', () => {
  it('counts integer conv/matmul nodes with int8 weights only', () => {
    expect(countU8S8Nodes(modelBytes(DataType.INT8))).toBe(1);
    expect(countU8S8Nodes(modelBytes(DataType.UINT8))).toBe(0);
  });

  it('reads VNNI support from /proc/cpuinfo flags', () => {
    expect(cpuHasVnni(cpuinfo('fpu sse2 avx2 fma'))).toBe(false);
    expect(cpuHasVnni(cpuinfo('avx2 avx512f avx512_vnni'))).toBe(true);
    expect(cpuHasVnni(cpuinfo('avx2 avx_vnni'))).toBe(true);
    expect(cpuHasVnni('no flags line')).toBeUndefined();
  });

  it('warns only for a u8s8 model on a CPU known to lack VNNI', () => {
    const int8 = modelBytes(DataType.INT8);
    expect(int8SaturationWarning('m.onnx', int8, false)).toMatch(/^m\.onnx: 1 int8 \(u8s8\).*no VNNI/);
    expect(int8SaturationWarning('m.onnx', int8, true)).toBeUndefined();
    expect(int8SaturationWarning('m.onnx', int8, undefined)).toBeUndefined();
    expect(int8SaturationWarning('m.onnx', modelBytes(DataType.FLOAT), false)).toBeUndefined();
  });

  const mobilenet = join(resolve(process.cwd(), '..', 'shared'), 'models', 'mobilenetv2-12-int8.onnx');
  it.skipIf(!existsSync(mobilenet))('finds the 53 u8s8 nodes of the model zoo MobileNetV2-int8', () => {
    expect(countU8S8Nodes(readFileSync(mobilenet))).toBe(53);
  });
});
