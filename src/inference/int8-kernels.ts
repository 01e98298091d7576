/**
 * Whether onnxruntime's int8 kernels can change an int8 model's predictions on this CPU.
 *
 * onnxruntime computes u8s8 integer convolutions and matmuls (uint8 activations x int8 weights, the default of
 * its quantiser) on x86-64 CPUs without VNNI with VPMADDUBSW, whose int16 intermediate sums saturate; with VNNI
 * (AVX512-VNNI, AVX-VNNI, AMX) they do not. The ONNX model zoo's MobileNetV2-int8 scores 72.6% top-1 on Imagenette
 * on a VNNI CPU and 64.9% on an AVX2-only one (docs/evaluation-imagenette.md): the inspected model's failures then
 * differ by machine, and a user should know before analysing them.
 */
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Integer ops with their weight input's position. */
const INTEGER_OPS: Record<string, number> = {
  QLinearConv: 3,
  QLinearMatMul: 3,
  ConvInteger: 1,
  MatMulInteger: 1,
};

/** Number of u8s8 integer conv/matmul nodes (int8 weights) in an ONNX model. */
export function countU8S8Nodes(modelBytes: Uint8Array): number {
  // Op types are plain strings in the protobuf: a byte search skips decoding float models (100+ MB) entirely.
  const bytes = Buffer.from(modelBytes.buffer, modelBytes.byteOffset, modelBytes.byteLength);
  if (!bytes.includes('QLinear') && !bytes.includes('Integer')) return 0;
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) return 0;
  const int8 = new Set(
    (graph.initializer ?? [])
      .filter((t) => t.dataType === onnx.TensorProto.DataType.INT8)
      .map((t) => t.name ?? ''),
  );
  let count = 0;
  for (const node of graph.node ?? []) {
    const weight = INTEGER_OPS[node.opType ?? ''];
    if (weight !== undefined && int8.has(node.input?.[weight] ?? '')) count++;
  }
  return count;
}

/** True / false when the CPU's VNNI support is known (Linux x86-64), undefined elsewhere. */
export function cpuHasVnni(cpuinfo?: string): boolean | undefined {
  if (cpuinfo === undefined) {
    if (platform() !== 'linux' || arch() !== 'x64') return undefined;
    try {
      cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1].split(/\s+/);
  if (!flags) return undefined;
  return flags.some((f) => f === 'avx512_vnni' || f === 'avx_vnni' || f === 'amx_int8');
}

/** A warning for an int8 model on a CPU where its integer kernels saturate (hasVnni: from cpuHasVnni()). */
export function int8SaturationWarning(
  file: string,
  modelBytes: Uint8Array,
  hasVnni: boolean | undefined,
): string | undefined {
  if (hasVnni !== false) return undefined;
  const nodes = countU8S8Nodes(modelBytes);
  if (nodes === 0) return undefined;
  return (
    `${file}: ${nodes} int8 (u8s8) conv/matmul nodes, and this CPU has no VNNI: onnxruntime's int8 kernels ` +
    `saturate here, so predictions can differ from a VNNI machine's (MobileNetV2-int8 on Imagenette: 64.9% vs ` +
    `72.6% top-1). Compare accuracy against the model's reference before reading its failure modes.`
  );
}
