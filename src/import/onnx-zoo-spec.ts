/**
 * Specs for ready-made ONNX classifiers that `faultline models fetch` downloads as they are (no import step):
 * the JSON written next to the model says how to feed it and which output holds the logits.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MODEL_SPEC_FORMAT, siblingSpecPath, type ModelSpecFile } from '../inference/spec.js';
import { imagenetClasses } from '../ingest/imagenet-classes.js';
import { IMAGENET_NORMALIZATION } from './import-checkpoint.js';
import { cropResize } from './model-spec.js';

/**
 * ONNX model zoo MobileNetV2 (opset 12, int8): input `input` 1x3x224x224 normalised with ImageNet mean/std,
 * output `output` = 1000 ImageNet logits. The default preprocessing is the general one for photos (resize the
 * shorter side to 256, centre-crop 224); already-square crops such as Imagenette's are better squashed, which
 * `faultline extract --preprocess resize` does (the Imagenette evaluation uses it).
 */
export function mobilenetV2Spec(source: { url: string; sha256: string }): ModelSpecFile {
  const size = 224;
  const { mean, std } = IMAGENET_NORMALIZATION;
  return {
    format: MODEL_SPEC_FORMAT,
    name: 'mobilenetv2-12-int8',
    input: { name: 'input', width: size, height: size },
    preprocess: { mode: 'crop', resize: cropResize(size) },
    normalize: { mean: [mean[0], mean[1], mean[2]], std: [std[0], std[1], std[2]] },
    outputs: { logits: 'output' },
    classes: imagenetClasses(),
    source: { url: source.url, sha256: source.sha256, model: 'ONNX model zoo mobilenetv2-12-int8' },
  };
}

/** Write `spec` as `<model>.json` next to `modelPath`; returns the spec path. */
export function writeSpecBeside(modelPath: string, spec: ModelSpecFile): string {
  const path = siblingSpecPath(modelPath);
  if (basename(path) === basename(modelPath)) throw new Error(`${modelPath}: not an .onnx file`);
  writeFileSync(path, `${JSON.stringify(spec, null, 2)}\n`);
  return path;
}
