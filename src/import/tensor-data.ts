/**
 * Turn a tensor reference (storage + offset + shape + stride) into contiguous float32 values. Half, bfloat16 and
 * double are converted; integer tensors (num_batches_tracked) become float32 too. Pure: bytes in, floats out.
 */
import { endianness } from 'node:os';
import { fileError } from '../shared/errors.js';
import { DTYPE_BYTES, type TensorRef, type TorchDtype } from './torch-globals.js';

/** A dense float32 tensor in C order. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * Decode a whole little-endian storage into element values (exact for every supported dtype but int64 > 2^53).
 * float32 storages are viewed in place when aligned, else copied once (memcpy); a ResNet-50 holds 25M of them,
 * so the per-element DataView path is kept for the small or exotic cases only.
 */
function decodeElements(bytes: Uint8Array, dtype: TorchDtype, count: number): ArrayLike<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32': {
      if (!LITTLE_ENDIAN_HOST)
        return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
      // Uint8Array.prototype.slice copies even for a Buffer (whose own slice() is a view).
      const aligned =
        bytes.byteOffset % 4 === 0 ? bytes : Uint8Array.prototype.slice.call(bytes, 0, count * 4);
      return new Float32Array(aligned.buffer, aligned.byteOffset, count);
    }
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true));
    case 'float16': {
      // 65536-entry lookup table: one table read per element instead of the float arithmetic.
      const table = halfTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)];
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'int64':
      return Float64Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(i * 2, true));
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset, count);
    case 'uint8':
    case 'bool':
      return bytes.subarray(0, count);
  }
}

let halfLookup: Float32Array | undefined;
function halfTable(): Float32Array {
  if (!halfLookup) {
    halfLookup = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfLookup[h] = halfToFloat(h);
  }
  return halfLookup;
}

/** IEEE 754 binary16 -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Materialise a tensor as contiguous float32. `source` and `name` (the state-dict key) name the tensor in errors,
 * e.g. when the storage is shorter than the view needs (a damaged or truncated file).
 */
export function tensorToFloat32(tensor: TensorRef, source: string, name: string): Float32Tensor {
  const shape = [...tensor.shape];
  const count = elementCount(shape);
  const out = new Float32Array(count);
  if (count === 0) return { shape, data: out };

  let maxIndex = tensor.offset;
  for (let d = 0; d < shape.length; d++) maxIndex += (shape[d] - 1) * tensor.stride[d];
  const storageBytes = tensor.storage.bytes();
  const storageCount = Math.floor(storageBytes.length / DTYPE_BYTES[tensor.dtype]);
  if (maxIndex >= storageCount) {
    throw fileError(
      source,
      `tensor ${name} needs ${maxIndex + 1} elements but its storage holds ${storageCount} (file damaged?)`,
    );
  }
  const values = decodeElements(storageBytes, tensor.dtype, storageCount);

  if (isContiguous(shape, tensor.stride)) {
    for (let i = 0; i < count; i++) out[i] = values[tensor.offset + i];
    return { shape, data: out };
  }
  // General strided gather, odometer over the output index.
  const index = new Array<number>(shape.length).fill(0);
  let at = tensor.offset;
  for (let i = 0; i < count; i++) {
    out[i] = values[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      at += tensor.stride[d];
      if (index[d] < shape[d]) break;
      at -= index[d] * tensor.stride[d];
      index[d] = 0;
    }
  }
  return { shape, data: out };
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}
