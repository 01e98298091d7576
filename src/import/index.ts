/**
 * Bring your own robust model: read PyTorch checkpoints without Python and turn torchvision ResNets into the
 * ONNX model + spec faultline runs. See docs/import-checkpoints.md.
 */
export {
  importCheckpoint,
  IMAGENET_NORMALIZATION,
  type ImportCheckpointOptions,
  type ImportCheckpointResult,
} from './import-checkpoint.js';
export { readTorchCheckpoint, parseTorchCheckpoint, type TorchCheckpoint } from './torch-checkpoint.js';
export { extractModelStateDict, type ModelStateDict, type Normalization } from './state-dict.js';
export {
  RESNET_ARCHS,
  ARCH_NAMES,
  parseArch,
  inferTopology,
  type ArchOption,
  type ResNetArch,
} from './resnet-arch.js';
export { buildResNetOnnx, OUTPUT_NAMES, INPUT_NAME } from './resnet-onnx.js';
export { tensorToFloat32, type Float32Tensor } from './tensor-data.js';
export { fetchModel, type FetchableModel, type FetchModelOptions } from '../fetch/models.js';
export { downloadVerified, type DownloadOptions, type DownloadResult } from '../fetch/download.js';
