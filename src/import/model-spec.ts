/**
 * The faultline model spec written next to an imported model (robust.onnx -> robust.json), in the format
 * src/inference/spec.ts reads, plus a `source` record saying which checkpoint it came from.
 */
import type { ClassInfo } from '../shared/types.js';
import { MODEL_SPEC_FORMAT } from '../inference/spec.js';
import { INPUT_NAME, OUTPUT_NAMES } from './resnet-onnx.js';
import type { Normalization } from './state-dict.js';

export interface ImportedModelSpec {
  format: typeof MODEL_SPEC_FORMAT;
  name: string;
  input: { name: string; width: number; height: number };
  preprocess: { mode: 'crop'; resize: number };
  /** Always identity: the model normalises internally and takes RGB in [0, 1]. */
  normalize: { mean: [number, number, number]; std: [number, number, number] };
  outputs: { logits: string; features: string; featureMap: string };
  classes?: ClassInfo[];
  source: {
    checkpoint: string;
    sha256: string;
    arch: string;
    /** The normalisation baked into the graph, and where it came from. */
    normalization: Normalization & { from: 'checkpoint' | 'options' | 'imagenet-default' };
    /** The key prefix the weights were found under, e.g. "module.model.". */
    prefix: string;
  };
}

/** The standard resize-then-crop ratio (256 -> 224). */
export function cropResize(inputSize: number): number {
  return Math.round(inputSize / 0.875);
}

export function buildModelSpec(args: {
  name: string;
  inputSize: number;
  classes?: ClassInfo[];
  source: ImportedModelSpec['source'];
}): ImportedModelSpec {
  const spec: ImportedModelSpec = {
    format: MODEL_SPEC_FORMAT,
    name: args.name,
    input: { name: INPUT_NAME, width: args.inputSize, height: args.inputSize },
    preprocess: { mode: 'crop', resize: cropResize(args.inputSize) },
    normalize: { mean: [0, 0, 0], std: [1, 1, 1] },
    outputs: {
      logits: OUTPUT_NAMES.logits,
      features: OUTPUT_NAMES.features,
      featureMap: OUTPUT_NAMES.featureMap,
    },
    ...(args.classes ? { classes: args.classes } : {}),
    source: args.source,
  };
  return spec;
}
