/**
 * The models faultline ships in its package (models/), resolved from this module's location so that the path
 * holds from the sources (src/inference) and from the build (dist/inference) alike.
 */
import { fileURLToPath } from 'node:url';

/**
 * The default robust feature extractor: MobileNetV2 distilled adversarially from the 1000-class ImageNet teacher
 * (training/imagenet-distill/README.md). `extract` uses it when no --robust is given.
 */
export const DEFAULT_ROBUST_MODEL = fileURLToPath(
  new URL('../../models/imagenet-robust-mobilenetv2.onnx', import.meta.url),
);
