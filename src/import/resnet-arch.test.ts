import { describe, expect, it } from 'vitest';
import { inferTopology, parseArch, resolveArch } from './resnet-arch.js';
import type { ModelStateDict } from './state-dict.js';
import type { StorageRef, TensorRef } from './torch-globals.js';

/** A state dict of shape-only tensors (their data is never read here). */
function stateDict(shapes: Record<string, number[]>): ModelStateDict {
  const storage: StorageRef = {
    kind: 'storage',
    key: '0',
    dtype: 'float32',
    elementOffset: 0,
    bytes: () => new Uint8Array(),
  };
  const tensors = new Map<string, TensorRef>();
  for (const [key, shape] of Object.entries(shapes)) {
    tensors.set(key, {
      kind: 'tensor',
      storage,
      dtype: 'float32',
      offset: 0,
      shape,
      stride: shape.map(() => 1),
    });
  }
  return { source: 'x.pt', tensors, prefix: '' };
}

/** Bottleneck blocks [n, n, n, n]: stem 64, inner width `inner` at layer1, `inner / perGroup` groups. */
function bottleneck(blocks: number, inner: number, perGroup: number): ModelStateDict {
  const shapes: Record<string, number[]> = { 'conv1.weight': [64, 3, 7, 7], 'fc.weight': [10, 2048] };
  for (let layer = 1; layer <= 4; layer++) {
    const scale = 2 ** (layer - 1);
    for (let b = 0; b < blocks; b++) {
      shapes[`layer${layer}.${b}.conv1.weight`] = [inner * scale, 64, 1, 1];
      shapes[`layer${layer}.${b}.conv2.weight`] = [inner * scale, perGroup * scale, 3, 3];
      shapes[`layer${layer}.${b}.conv3.weight`] = [256 * scale, inner * scale, 1, 1];
    }
  }
  return stateDict(shapes);
}

describe('inferTopology / resolveArch', () => {
  it('recognises resnet50 and wide_resnet50_2 by the bottleneck width', () => {
    expect(inferTopology(bottleneck(3, 64, 64))).toMatchObject({ widthFactor: 1, groups: 1 });
    expect(inferTopology(bottleneck(3, 128, 128)).matches).toBeUndefined(); // [3,3,3,3] is not a torchvision depth
  });

  it('tells a grouped (ResNeXt-style) bottleneck from wide_resnet50_2', () => {
    const resnext = bottleneck(1, 128, 4);
    expect(inferTopology(resnext)).toMatchObject({ block: 'bottleneck', widthFactor: 2, groups: 32 });
    expect(() => resolveArch('wide_resnet50_2', resnext)).toThrow(/width x2, 32 groups/);
    expect(resolveArch('auto', resnext)).toMatchObject({ groups: 32, layers: [1, 1, 1, 1] });
  });

  it('rejects unknown --arch values with the list of valid ones', () => {
    expect(() => parseArch('resnet19')).toThrow(/Expected one of resnet18, .*wide_resnet50_2, auto for arch/);
  });
});
