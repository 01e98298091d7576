/** Reading the PyTorch reference outputs written by scripts/make-checkpoint-fixtures.py. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'import');

interface ReferenceTensor {
  shape: number[];
  data: number[];
}

export interface Reference {
  checkpoint: string;
  arch: string;
  inputSize: number;
  batch: number;
  inputFormula: string;
  mean: number[];
  std: number[];
  logits: ReferenceTensor;
  features: ReferenceTensor;
  featureMap: ReferenceTensor;
  /** PyTorch's d sum(features * selector) / d input for the first image (robustness fixture only). */
  gradient?: { selectorFormula: string; shape: number[]; float32Base64: string };
}

export function readReference(name: string): Reference {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.reference.json`), 'utf8')) as Reference;
}

/** The fixture input, N x 3 x S x S: ((n*37 + c*101 + h*7 + w*3 + h*w) % 97) / 96, exact in float32. */
export function referenceInput(ref: Reference): Float32Array {
  const size = ref.inputSize;
  const x = new Float32Array(ref.batch * 3 * size * size);
  let i = 0;
  for (let n = 0; n < ref.batch; n++) {
    for (let c = 0; c < 3; c++) {
      for (let h = 0; h < size; h++) {
        for (let w = 0; w < size; w++) x[i++] = ((n * 37 + c * 101 + h * 7 + w * 3 + h * w) % 97) / 96;
      }
    }
  }
  return x;
}

/** max |actual - expected| / max |expected|: the error relative to the output's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}
