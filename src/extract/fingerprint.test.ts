import { describe, expect, it } from 'vitest';
import type { ResolvedModelSpec } from '../inference/model.js';
import type { Sample } from '../shared/types.js';
import { extractFingerprint } from './fingerprint.js';

const spec: ResolvedModelSpec = {
  input: 'input',
  preprocess: { mode: 'resize', width: 8, height: 8, mean: [0, 0, 0], std: [1, 1, 1] },
  outputs: { features: 'features' },
};
const samples: Sample[] = [{ id: 'a', path: '/a.png', label: 0, labelName: 'ant', split: '' }];
const base = { samples, chunkSize: 8, batchSize: 4 };

describe('extractFingerprint', () => {
  it("ignores a spec's robustness (it sets attack defaults, not a run's bytes), so older runs stay resumable", () => {
    const plain = extractFingerprint({ ...base, robust: { sha256: 'x', spec } });
    const stated = extractFingerprint({
      ...base,
      robust: { sha256: 'x', spec: { ...spec, robustness: { norm: 'L2', eps: 1.5 } } },
    });
    expect(stated).toBe(plain);
  });

  it('changes with the preprocessing', () => {
    const crop = { ...spec, preprocess: { ...spec.preprocess, mode: 'crop' as const, resize: 9 } };
    expect(extractFingerprint({ ...base, robust: { sha256: 'x', spec: crop } })).not.toBe(
      extractFingerprint({ ...base, robust: { sha256: 'x', spec } }),
    );
  });
});
