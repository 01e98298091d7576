/**
 * `faultline models import`: PyTorch checkpoint -> ONNX model + faultline model spec, without Python.
 *
 * @example
 *   const result = await importCheckpoint({ checkpoint: 'imagenet_l2_3_0.pt', arch: 'resnet50', out: 'robust.onnx' });
 *   // robust.onnx (outputs logits, features, feature_map) and robust.json next to it
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ClassInfo } from '../shared/types.js';
import { fileError, invalidOption } from '../shared/errors.js';
import { FAULTLINE_VERSION } from '../shared/version.js';
import { siblingSpecPath } from '../inference/spec.js';
import { imagenetClasses } from '../ingest/index.js';
import { writeFileAtomic } from '../run/tables.js';
import { buildModelSpec, type ImportedModelSpec } from './model-spec.js';
import { inferTopology, resolveArch, type ArchOption, type ResNetTopology } from './resnet-arch.js';
import { buildResNetOnnx } from './resnet-onnx.js';
import { extractModelStateDict, type Normalization } from './state-dict.js';
import { parseTorchCheckpoint } from './torch-checkpoint.js';

export const IMAGENET_NORMALIZATION: Normalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};
export const DEFAULT_INPUT_SIZE = 224;
const IMAGENET_CLASS_COUNT = 1000;

export interface ImportCheckpointOptions {
  /** The .pt / .pth / .ckpt file. */
  checkpoint: string;
  /** torchvision architecture the weights must match, or 'auto' to take the topology from the weights. */
  arch: ArchOption;
  /** ONNX file to write; the spec goes next to it (`x.onnx` -> `x.json`). */
  out: string;
  /** Input normalisation; default: the checkpoint's own (robustness normalizer), else ImageNet's. */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Square input side in pixels (default 224). */
  inputSize?: number;
  /** Model name in the spec (default: the output file's base name). */
  name?: string;
  /**
   * Class list to put in the spec; used only when its length equals the number of logits. Default: the 1000
   * ImageNet classes when the model has 1000 logits, else none.
   */
  classes?: ClassInfo[];
  /**
   * Read Python objects outside the weights that faultline does not know (saved training arguments and the
   * like) as inert placeholders instead of refusing the file. Hostile globals are refused regardless, and
   * nothing in the file is executed either way.
   */
  lenient?: boolean;
}

export interface ImportCheckpointResult {
  onnxPath: string;
  specPath: string;
  spec: ImportedModelSpec;
  topology: ResNetTopology;
  numClasses: number;
  featureWidth: number;
  featureMapSize: number;
  /** Things the user should know that did not stop the import. */
  warnings: string[];
}

export async function importCheckpoint(options: ImportCheckpointOptions): Promise<ImportCheckpointResult> {
  const inputSize = options.inputSize ?? DEFAULT_INPUT_SIZE;
  if (!Number.isInteger(inputSize) || inputSize < 32 || inputSize > 4096) {
    throw invalidOption('inputSize', 'an integer from 32 to 4096', inputSize);
  }
  if ((options.mean === undefined) !== (options.std === undefined)) {
    throw invalidOption(options.mean ? 'std' : 'mean', 'to be given together with the other', 'nothing');
  }
  if (options.std?.some((s) => !(s > 0)))
    throw invalidOption('std', 'three positive numbers', options.std.join(','));

  const checkpointPath = resolve(options.checkpoint);
  let bytes: Buffer;
  try {
    bytes = await readFile(checkpointPath);
  } catch (error) {
    throw fileError(
      options.checkpoint,
      `cannot read checkpoint (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const checkpoint = parseTorchCheckpoint(bytes, options.checkpoint, { lenient: options.lenient });
  const stateDict = extractModelStateDict(checkpoint);
  const definition = resolveArch(options.arch, stateDict);
  const topology = inferTopology(stateDict);

  const warnings: string[] = [];
  if (checkpoint.inertGlobals.length > 0) {
    warnings.push(
      `read ${checkpoint.inertGlobals.length} unknown Python object type(s) outside the weights as inert ` +
        `placeholders (nothing was executed): ${checkpoint.inertGlobals.join(', ')}`,
    );
  }
  let normalization: Normalization;
  let from: ImportedModelSpec['source']['normalization']['from'];
  if (options.mean && options.std) {
    normalization = { mean: options.mean, std: options.std };
    from = 'options';
    if (stateDict.normalization && !sameNormalization(stateDict.normalization, normalization)) {
      warnings.push(
        `--mean/--std override the normalisation stored in the checkpoint ` +
          `(mean ${fmt(stateDict.normalization.mean)}, std ${fmt(stateDict.normalization.std)})`,
      );
    }
  } else if (stateDict.normalization) {
    normalization = stateDict.normalization;
    from = 'checkpoint';
  } else {
    normalization = IMAGENET_NORMALIZATION;
    from = 'imagenet-default';
    warnings.push(
      'the checkpoint stores no input normalisation: using ImageNet mean/std (set --mean/--std to change)',
    );
  }

  const onnxPath = resolve(options.out);
  const name = options.name ?? basename(onnxPath).replace(/\.onnx$/i, '');
  const archName = options.arch === 'auto' ? (topology.matches ?? 'auto') : options.arch;
  const built = buildResNetOnnx(stateDict, {
    definition,
    normalization,
    inputSize,
    info: {
      producerName: 'faultline',
      producerVersion: FAULTLINE_VERSION,
      docString: `${archName} imported from ${basename(checkpointPath)}`,
      metadata: { source_checkpoint: basename(checkpointPath), source_sha256: sha256, arch: archName },
    },
  });

  let classes: ClassInfo[] | undefined;
  if (options.classes && options.classes.length === built.numClasses) classes = options.classes;
  else if (!options.classes && built.numClasses === IMAGENET_CLASS_COUNT) classes = imagenetClasses();
  else if (options.classes) {
    warnings.push(
      `class list has ${options.classes.length} names but the model has ${built.numClasses} logits: omitted`,
    );
  }

  const spec = buildModelSpec({
    name,
    inputSize,
    classes,
    source: {
      checkpoint: basename(checkpointPath),
      sha256,
      arch: archName,
      normalization: { ...normalization, from },
      prefix: stateDict.prefix,
    },
  });
  const specPath = siblingSpecPath(onnxPath);
  mkdirSync(dirname(onnxPath), { recursive: true });
  writeFileAtomic(onnxPath, Buffer.from(built.bytes.buffer, built.bytes.byteOffset, built.bytes.byteLength));
  writeFileAtomic(specPath, JSON.stringify(spec, null, 2) + '\n');

  return {
    onnxPath,
    specPath,
    spec,
    topology,
    numClasses: built.numClasses,
    featureWidth: built.featureWidth,
    featureMapSize: built.featureMapSize,
    warnings,
  };
}

function sameNormalization(a: Normalization, b: Normalization): boolean {
  const close = (x: number[], y: number[]) => x.every((v, i) => Math.abs(v - y[i]) < 1e-6);
  return close(a.mean, b.mean) && close(a.std, b.std);
}

function fmt(values: number[]): string {
  return values.map((v) => Number(v.toFixed(4))).join(',');
}
