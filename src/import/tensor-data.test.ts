import { describe, expect, it } from 'vitest';
import type { StorageRef, TensorRef, TorchDtype } from './torch-globals.js';
import { halfToFloat, tensorToFloat32 } from './tensor-data.js';

function tensor(
  dtype: TorchDtype,
  bytes: Uint8Array,
  shape: number[],
  stride: number[],
  offset = 0,
): TensorRef {
  const storage: StorageRef = { kind: 'storage', key: '0', dtype, elementOffset: 0, bytes: () => bytes };
  return { kind: 'tensor', storage, dtype, offset, shape, stride };
}

const le = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

describe('tensorToFloat32', () => {
  it('decodes float16 including subnormals and infinities', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    const t = tensor('float16', le(Uint16Array.from([0x3c00, 0xc000])), [2], [1]);
    expect([...tensorToFloat32(t, 'f.pt', 'w').data]).toEqual([1, -2]);
  });

  it('decodes bfloat16, float64 and int64', () => {
    expect([
      ...tensorToFloat32(tensor('bfloat16', le(Uint16Array.from([0x3f80, 0xc0a0])), [2], [1]), 'f', 'w').data,
    ]).toEqual([1, -5]);
    expect([
      ...tensorToFloat32(tensor('float64', le(Float64Array.from([0.5, -3])), [2], [1]), 'f', 'w').data,
    ]).toEqual([0.5, -3]);
    expect([
      ...tensorToFloat32(tensor('int64', le(BigInt64Array.from([1234n])), [], []), 'f', 'w').data,
    ]).toEqual([1234]);
  });

  it('gathers non-contiguous (transposed) views and honours the storage offset', () => {
    // storage 0..6; view: offset 1, shape [2, 3], stride [1, 2] -> [[1, 3, 5], [2, 4, 6]]
    const t = tensor('float32', le(Float32Array.from([0, 1, 2, 3, 4, 5, 6])), [2, 3], [1, 2], 1);
    expect([...tensorToFloat32(t, 'f', 'w').data]).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('reads float32 from an unaligned buffer', () => {
    const aligned = le(Float32Array.from([1.5, -2.25]));
    const shifted = new Uint8Array(aligned.length + 1).fill(0);
    shifted.set(aligned, 1);
    expect([...tensorToFloat32(tensor('float32', shifted.subarray(1), [2], [1]), 'f', 'w').data]).toEqual([
      1.5, -2.25,
    ]);
    // A Buffer's own slice() is a view, not a copy: the unaligned path must still copy.
    const buffer = Buffer.from(shifted).subarray(1);
    expect([...tensorToFloat32(tensor('float32', buffer, [2], [1]), 'f', 'w').data]).toEqual([1.5, -2.25]);
  });

  it('names the tensor and file when the storage is too short', () => {
    const t = tensor('float32', le(Float32Array.from([1, 2])), [3], [1]);
    expect(() => tensorToFloat32(t, 'short.pt', 'fc.bias')).toThrow(
      /short\.pt: tensor fc\.bias needs 3 elements but its storage holds 2/,
    );
  });
});
