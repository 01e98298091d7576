/**
 * Find the model weights inside a checkpoint and give them torchvision's key names.
 *
 * Handles plain torchvision state dicts and the layouts of the MadryLab `robustness` library, whose checkpoints
 * are `{model: {...}, optimizer: ..., schedule: ..., epoch: n}` with keys such as
 * `module.normalizer.new_mean`, `module.model.conv1.weight` and a second copy under `module.attacker.model.`.
 * The copy under `attacker.` is ignored; the normalizer buffers become the model's input normalisation.
 */
import { FaultlineError, fileError } from '../shared/errors.js';
import { PickleDict, describePickleValue, type PickleValue } from './pickle-values.js';
import { isTensorRef, type TensorRef } from './torch-globals.js';
import { tensorToFloat32 } from './tensor-data.js';
import type { TorchCheckpoint } from './torch-checkpoint.js';

export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

export interface ModelStateDict {
  source: string;
  /** torchvision key (e.g. `layer1.0.conv1.weight`) -> tensor. */
  tensors: Map<string, TensorRef>;
  /** Where the weights were found, e.g. `model` (wrapper key) and `module.model.` (key prefix). */
  wrapperKey?: string;
  prefix: string;
  /** Mean/std stored in the checkpoint (robustness normalizer), when present. */
  normalization?: Normalization;
}

/** Wrapper keys tried, in order, when the root object is not itself a state dict. */
const WRAPPER_KEYS = ['model', 'state_dict', 'model_state_dict', 'net', 'module'];

/** Locate and normalise the model's state dict. */
export function extractModelStateDict(checkpoint: TorchCheckpoint): ModelStateDict {
  const { source } = checkpoint;
  const { dict, wrapperKey } = findStateDict(checkpoint.root, source);

  const all = new Map<string, TensorRef>();
  for (const [key, value] of dict) {
    if (typeof key === 'string' && isTensorRef(value)) all.set(key, value);
  }

  const prefix = findModelPrefix([...all.keys()], source);
  const tensors = new Map<string, TensorRef>();
  for (const [key, value] of all) {
    if (key.startsWith(prefix)) tensors.set(key.slice(prefix.length), value);
  }
  return { source, tensors, wrapperKey, prefix, normalization: findNormalizer(all, source) };
}

function findStateDict(root: PickleValue, source: string): { dict: PickleDict; wrapperKey?: string } {
  if (!(root instanceof PickleDict)) {
    throw fileError(
      source,
      `expected a dict of tensors (a state dict) but the checkpoint holds ${describePickleValue(root)}`,
    );
  }
  if (countTensors(root) > 0) return { dict: root };
  for (const key of WRAPPER_KEYS) {
    const inner = root.get(key);
    if (inner instanceof PickleDict && countTensors(inner) > 0) return { dict: inner, wrapperKey: key };
  }
  const keys = [...root.keys()].map(String).slice(0, 12);
  throw fileError(
    source,
    `no state dict found: the checkpoint is a dict with keys [${keys.join(', ')}] and none of ` +
      `${WRAPPER_KEYS.map((k) => `'${k}'`).join(', ')} holds tensors`,
  );
}

function countTensors(dict: PickleDict): number {
  let n = 0;
  for (const value of dict.values()) if (isTensorRef(value)) n++;
  return n;
}

/**
 * The key prefix of the network's own weights: the P for which `P + 'conv1.weight'` names the stem convolution
 * (not a block's conv1, hence no 'layer' in P). `module.` (DataParallel), `model.` and `module.model.`
 * (robustness) are all found this way; copies under `attacker.` are skipped.
 */
function findModelPrefix(keys: string[], source: string): string {
  const candidates = keys
    .filter((k) => k.endsWith('conv1.weight'))
    .map((k) => k.slice(0, k.length - 'conv1.weight'.length))
    .filter((p) => (p === '' || p.endsWith('.')) && !/(^|\.)layer\d/.test(p));
  const preferred = candidates.filter((p) => !p.includes('attacker.')).sort((a, b) => a.length - b.length);
  const prefix = preferred[0] ?? candidates.sort((a, b) => a.length - b.length)[0];
  if (prefix === undefined) {
    const shown = keys.slice(0, 8).join(', ');
    throw new FaultlineError(
      `${source}: the state dict has no stem convolution 'conv1.weight' (with any prefix), so it is not a ` +
        `torchvision-style ResNet; its first keys are: ${shown}${keys.length > 8 ? ', ...' : ''}`,
      { file: source },
    );
  }
  return prefix;
}

/** robustness' InputNormalize buffers: `normalizer.new_mean` / `new_std`, shape [3,1,1] (or [3]). */
function findNormalizer(all: Map<string, TensorRef>, source: string): Normalization | undefined {
  const meanKey = [...all.keys()]
    .filter((k) => k.endsWith('normalizer.new_mean') && !k.includes('attacker.'))
    .sort((a, b) => a.length - b.length)[0];
  if (meanKey === undefined) return undefined;
  const stdKey = meanKey.replace(/new_mean$/, 'new_std');
  const meanRef = all.get(meanKey);
  const stdRef = all.get(stdKey);
  if (!meanRef || !stdRef) throw fileError(source, `found ${meanKey} but not ${stdKey}`);
  const mean = tensorToFloat32(meanRef, source, meanKey).data;
  const std = tensorToFloat32(stdRef, source, stdKey).data;
  if (mean.length !== 3 || std.length !== 3) {
    throw fileError(
      source,
      `${meanKey} / ${stdKey} should hold 3 values (RGB), found ${mean.length} and ${std.length}`,
    );
  }
  return { mean: [mean[0], mean[1], mean[2]], std: [std[0], std[1], std[2]] };
}
