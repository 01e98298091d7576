/**
 * torchvision ResNet architectures and the check that a state dict is one of them. Depth (blocks per stage) and
 * block type are what `--arch` fixes; channel widths are read from the weights, so reduced-width models of the
 * same topology (the test fixtures) import too.
 */
import { FaultlineError, invalidOption } from '../shared/errors.js';
import type { ModelStateDict } from './state-dict.js';

export type BlockKind = 'basic' | 'bottleneck';

export interface ResNetDefinition {
  block: BlockKind;
  /** Blocks in layer1..layer4. */
  layers: readonly [number, number, number, number];
  /** Bottleneck inner width relative to torchvision's resnet50 (2 for wide_resnet50_2). */
  widthFactor: number;
  /** Groups of the 3x3 convolutions (1 for ResNets; ResNeXt would be 32, and is built with --arch auto). */
  groups: number;
}

export const RESNET_ARCHS = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], widthFactor: 1, groups: 1 },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], widthFactor: 1, groups: 1 },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], widthFactor: 1, groups: 1 },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3], widthFactor: 1, groups: 1 },
  resnet152: { block: 'bottleneck', layers: [3, 8, 36, 3], widthFactor: 1, groups: 1 },
  wide_resnet50_2: { block: 'bottleneck', layers: [3, 4, 6, 3], widthFactor: 2, groups: 1 },
} as const satisfies Record<string, ResNetDefinition>;

export type ResNetArch = keyof typeof RESNET_ARCHS;
/** `auto`: take the topology from the state dict (any depth, e.g. reduced test models). */
export type ArchOption = ResNetArch | 'auto';

export const ARCH_NAMES = Object.keys(RESNET_ARCHS) as ResNetArch[];

export function parseArch(value: string): ArchOption {
  if (value === 'auto' || value in RESNET_ARCHS) return value as ArchOption;
  throw invalidOption('arch', `one of ${[...ARCH_NAMES, 'auto'].join(', ')}`, value);
}

/** The topology found in a state dict. */
export interface ResNetTopology extends ResNetDefinition {
  /** The torchvision name it matches, if any. */
  matches?: ResNetArch;
}

const BLOCK_NAMES: Record<BlockKind, string> = { basic: 'BasicBlock', bottleneck: 'Bottleneck' };

function describe(def: ResNetDefinition): string {
  const wide = def.block === 'bottleneck' && def.widthFactor !== 1 ? `, width x${def.widthFactor}` : '';
  const groups = def.groups !== 1 ? `, ${def.groups} groups` : '';
  return `${BLOCK_NAMES[def.block]} blocks [${def.layers.join(', ')}]${wide}${groups}`;
}

/** Read block type, blocks per stage and bottleneck width factor from the keys and weight shapes. */
export function inferTopology(stateDict: ModelStateDict): ResNetTopology {
  const { tensors, source } = stateDict;
  const counts = [0, 0, 0, 0];
  for (const key of tensors.keys()) {
    const m = /^layer([1-4])\.(\d+)\./.exec(key);
    if (m) counts[Number(m[1]) - 1] = Math.max(counts[Number(m[1]) - 1], Number(m[2]) + 1);
  }
  if (counts.some((c) => c === 0)) {
    const missing = counts.flatMap((c, i) => (c === 0 ? [`layer${i + 1}`] : []));
    throw new FaultlineError(
      `${source}: not a torchvision ResNet state dict: no weights for ${missing.join(', ')} ` +
        `(looked under the prefix '${stateDict.prefix}')`,
      { file: source },
    );
  }
  const block: BlockKind = tensors.has('layer1.0.conv3.weight') ? 'bottleneck' : 'basic';
  let widthFactor = 1;
  let groups = 1;
  if (block === 'bottleneck') {
    const inner = tensors.get('layer1.0.conv1.weight')?.shape[0];
    const out = tensors.get('layer1.0.conv3.weight')?.shape[0];
    const perGroup = tensors.get('layer1.0.conv2.weight')?.shape[1];
    if (inner && out) widthFactor = inner / (out / 4);
    if (inner && perGroup) groups = inner / perGroup;
  }
  const layers = counts as unknown as [number, number, number, number];
  const topology: ResNetTopology = { block, layers, widthFactor, groups };
  topology.matches = ARCH_NAMES.find((name) => sameTopology(RESNET_ARCHS[name], topology));
  return topology;
}

function sameTopology(a: ResNetDefinition, b: ResNetDefinition): boolean {
  return (
    a.block === b.block && a.widthFactor === b.widthFactor && a.layers.every((n, i) => n === b.layers[i])
  );
}

/** The definition to build: the requested arch if the state dict is one, else a clear error. */
export function resolveArch(arch: ArchOption, stateDict: ModelStateDict): ResNetDefinition {
  const found = inferTopology(stateDict);
  if (arch === 'auto') return found;
  const expected = RESNET_ARCHS[arch];
  if (!sameTopology(expected, found)) {
    const looksLike = found.matches ? ` (that is ${found.matches})` : '';
    throw new FaultlineError(
      `${stateDict.source}: --arch ${arch} expects ${describe(expected)} but the checkpoint holds ${describe(found)}` +
        looksLike,
      { file: stateDict.source, hint: found.matches ? `use --arch ${found.matches}` : 'use --arch auto' },
    );
  }
  return expected;
}
