/**
 * A small builder for ONNX graphs over onnx-proto (protobufjs static code): float32 initializers, nodes with
 * int / ints / float attributes, float tensor inputs and outputs with a symbolic batch dimension.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS: its namespace is only reachable through the default import under ESM.
const { onnx } = onnxProto;

export type AttributeValue = number | number[] | string;
/** A dimension: a fixed size, or a symbolic name such as 'N' (dynamic batch). */
export type Dim = number | string;

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface ModelInfo {
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** Key/value metadata stored in the model (source checkpoint, sha256, arch). */
  metadata?: Record<string, string>;
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  /** A fresh, readable value name: `${hint}_${n}`. */
  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  input(name: string, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /**
   * A float32 constant. The builder keeps a view of `data` (no copy: a ResNet-50 holds 100 MB of weights), so the
   * caller must not modify it afterwards.
   */
  initializer(name: string, dims: number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: bytes });
    return name;
  }

  /** Add a node; returns its first output's name. */
  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: Record<string, AttributeValue> = {},
  ): string {
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return outputs[0];
  }

  /** Serialise to ONNX protobuf bytes. */
  encode(info: ModelInfo): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: info.opset }],
      producerName: info.producerName,
      producerVersion: info.producerVersion,
      docString: info.docString ?? '',
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: types.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: types.INTS, ints: value };
  if (Number.isInteger(value)) return { name, type: types.INT, i: value };
  return { name, type: types.FLOAT, f: value };
}
