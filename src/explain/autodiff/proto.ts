/**
 * Small typed helpers over onnx-proto (protobufjs static code): decoding and encoding models, reading tensor and
 * attribute values as plain numbers, and making new tensors, value infos and nodes. Everything that knows about
 * protobufjs quirks (Long for int64, raw_data vs typed fields, unaligned buffers) lives here.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

export const { onnx } = onnxProto;
export type ModelProto = OnnxTypes.ModelProto;
export type GraphProto = OnnxTypes.IGraphProto;
export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type AttributeProto = OnnxTypes.IAttributeProto;
export type ValueInfoProto = OnnxTypes.IValueInfoProto;

export const DataType = onnx.TensorProto.DataType;
export type DataTypeId = number;

/** int64 fields arrive as number or Long; every caller wants a JS number (shapes and attributes fit easily). */
export function toNumber(v: number | { toString(): string } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v.toString());
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export function encodeModel(model: OnnxTypes.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The opset version of the default (ai.onnx) domain. */
export function defaultOpset(model: OnnxTypes.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 1;
}

export function dims(t: TensorProto): number[] {
  return (t.dims ?? []).map(toNumber);
}

function rawView(t: TensorProto): DataView | undefined {
  const raw = t.rawData;
  if (!raw || raw.length === 0) return undefined;
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** All values of a numeric tensor as float64 (int64 converted to number). */
export function tensorValues(t: TensorProto): Float64Array {
  const count = dims(t).reduce((a, b) => a * b, 1);
  const raw = rawView(t);
  const out = new Float64Array(count);
  const type = t.dataType ?? 0;
  if (raw) {
    for (let i = 0; i < count; i++) {
      switch (type) {
        case DataType.FLOAT:
          out[i] = raw.getFloat32(i * 4, true);
          break;
        case DataType.DOUBLE:
          out[i] = raw.getFloat64(i * 8, true);
          break;
        case DataType.INT64:
          out[i] = Number(raw.getBigInt64(i * 8, true));
          break;
        case DataType.INT32:
          out[i] = raw.getInt32(i * 4, true);
          break;
        case DataType.INT8:
          out[i] = raw.getInt8(i);
          break;
        case DataType.UINT8:
        case DataType.BOOL:
          out[i] = raw.getUint8(i);
          break;
        case DataType.INT16:
          out[i] = raw.getInt16(i * 2, true);
          break;
        case DataType.UINT16:
          out[i] = raw.getUint16(i * 2, true);
          break;
        default:
          throw new Error(`tensor ${t.name}: unsupported data type ${type}`);
      }
    }
    return out;
  }
  let source: ArrayLike<number | { toString(): string }>;
  switch (type) {
    case DataType.FLOAT:
      source = t.floatData ?? [];
      break;
    case DataType.DOUBLE:
      source = t.doubleData ?? [];
      break;
    case DataType.INT64:
      source = t.int64Data ?? [];
      break;
    default:
      source = t.int32Data ?? [];
  }
  // A scalar stored in a typed field may omit dims; a count mismatch otherwise means a malformed tensor.
  const n = Math.max(count, source.length);
  const full = n === count ? out : new Float64Array(n);
  for (let i = 0; i < n; i++) full[i] = toNumber(source[i]);
  return full;
}

const BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.INT64]: 8,
  [DataType.INT32]: 4,
  [DataType.BOOL]: 1,
};

/** A tensor stored as raw little-endian data. */
export function makeTensor(
  name: string,
  dataType: DataTypeId,
  shape: readonly number[],
  values: ArrayLike<number>,
): TensorProto {
  const size = BYTES[dataType];
  if (!size) throw new Error(`makeTensor: unsupported data type ${dataType}`);
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (dataType === DataType.FLOAT) view.setFloat32(i * 4, v, true);
    else if (dataType === DataType.DOUBLE) view.setFloat64(i * 8, v, true);
    else if (dataType === DataType.INT64) view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
    else if (dataType === DataType.INT32) view.setInt32(i * 4, v, true);
    else view.setUint8(i, v ? 1 : 0);
  }
  return onnx.TensorProto.create({ name, dataType, dims: [...shape], rawData: raw });
}

/** A graph input/output declaration; string entries in `shape` are symbolic dims. */
export function makeValueInfo(
  name: string,
  elemType: DataTypeId,
  shape?: readonly (number | string)[],
): ValueInfoProto {
  const tensorType: OnnxTypes.TypeProto.ITensor = { elemType };
  if (shape) {
    tensorType.shape = {
      dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
    };
  }
  return onnx.ValueInfoProto.create({ name, type: { tensorType } });
}

export function valueInfoShape(v: ValueInfoProto): (number | string)[] | undefined {
  const dim = v.type?.tensorType?.shape?.dim;
  if (!dim) return undefined;
  return dim.map((d) =>
    d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : '?',
  );
}

// ----- attributes -----

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? toNumber(a.i) : fallback;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? (a.ints ?? []).map(toNumber) : undefined;
}

export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? (a.f ?? 0) : fallback;
}

export function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = attr(node, name);
  return a?.s ? Buffer.from(a.s).toString('utf8') : fallback;
}

/** Attribute values for new nodes: integers and integer lists by default; floats must be tagged. */
export type AttrValue =
  number | number[] | string | { float: number } | { floats: number[] } | { tensor: TensorProto };

export function makeAttribute(name: string, value: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('tensor' in value) return { name, type: T.TENSOR, t: value.tensor };
  return { name, type: T.FLOATS, floats: value.floats };
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Record<string, AttrValue | undefined> = {},
): NodeProto {
  const attribute = Object.entries(attrs)
    .filter((e): e is [string, AttrValue] => e[1] !== undefined)
    .map(([k, v]) => makeAttribute(k, v));
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name, attribute });
}

/** "Conv node "layer1.0.conv1"" — how errors name a node. */
export function describeNode(node: NodeProto): string {
  return `${node.opType} node "${node.name || (node.output ?? [])[0] || '?'}"`;
}
