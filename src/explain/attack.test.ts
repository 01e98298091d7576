import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attackDefaults, attackFeature, attackStep, type GradientRunner } from './attack.js';
import { FeatureGradient } from './autodiff/session.js';

const MOBILENET = join(import.meta.dirname, '../../../shared/models/mobilenetv2-12-int8.onnx');
const RESNET_TINY = join(import.meta.dirname, '../../test/fixtures/explain/resnet18-tiny.onnx');

function norm(a: Float32Array, b: Float32Array, start: number, end: number): number {
  let s = 0;
  for (let k = start; k < end; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}

/** feature = w . x, gradient = w: the attack moves along w. */
function linearRunner(w: Float32Array): GradientRunner {
  return {
    featureCount: 1,
    imageSize: w.length,
    async run(pixels) {
      const n = pixels.length / w.length;
      const features = new Float32Array(n);
      const gradient = new Float32Array(pixels.length);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < w.length; k++) {
          features[i] += w[k] * pixels[i * w.length + k];
          gradient[i * w.length + k] = w[k];
        }
      }
      return { features, gradient };
    },
  };
}

describe('attackDefaults', () => {
  it("keeps the paper's unbounded alpha-10 x 100 attack when the model states no robustness", () => {
    expect(attackDefaults()).toEqual({ alpha: 10, steps: 100 });
  });

  it('budgets the attack to 8 x the eps the model is robust at, reached in 10 steps', () => {
    const d = attackDefaults({ eps: 1.05 });
    expect(d.budget).toBeCloseTo(8.4, 12);
    expect(d.alpha).toBeCloseTo(0.84, 12);
    expect(d.steps).toBe(40);
  });
});

describe('attackStep', () => {
  it('moves each image by alpha along its normalised gradient and clamps to [0,1]', () => {
    const x = Float32Array.from([0.5, 0.5, 0.5, 0.9]);
    const x0 = Float32Array.from(x);
    attackStep(x, x0, Float32Array.from([3, 4, 0, 2]), 2, 0.1, undefined);
    expect(x[0]).toBeCloseTo(0.56, 6);
    expect(x[1]).toBeCloseTo(0.58, 6);
    expect(x[2]).toBeCloseTo(0.5, 6);
    expect(x[3]).toBeCloseTo(1, 6); // 0.9 + 0.1 clamped
  });

  it('projects onto the L2 ball around x0', () => {
    const x = Float32Array.from([0.5, 0.5]);
    const x0 = Float32Array.from(x);
    attackStep(x, x0, Float32Array.from([1, 1]), 2, 0.3, 0.1);
    expect(norm(x, x0, 0, 2)).toBeCloseTo(0.1, 6);
  });
});

describe('attackFeature', () => {
  it('increases a linear feature, respects the budget and reports before/after', async () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    const images = new Float32Array(24).fill(0.5);
    const steps: number[] = [];
    const result = await attackFeature(linearRunner(w), images, {
      feature: 0,
      alpha: 0.05,
      steps: 10,
      budget: 0.2,
      onStep: (done) => steps.push(done),
    });
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 0; i < 2; i++) {
      expect(result.after[i]).toBeGreaterThan(result.before[i]);
      expect(result.distance[i]).toBeLessThanOrEqual(0.2 + 1e-6);
    }
    expect(result.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('rejects a feature index out of range', async () => {
    await expect(
      attackFeature(linearRunner(new Float32Array(4)), new Float32Array(4), { feature: 3 }),
    ).rejects.toThrow(/feature/);
  });
});

const cacheDir = mkdtempSync(join(tmpdir(), 'faultline-attack-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('attack on a whole model', () => {
  it('strictly increases the target feature of the ResNet-18-shaped fixture, within budget', async () => {
    const g = await FeatureGradient.open(RESNET_TINY, { features: 'features', cacheDir });
    const images = Float32Array.from({ length: 2 * g.imageSize }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
    const result = await attackFeature(g, images, { feature: 5, alpha: 0.5, steps: 8, budget: 2 });
    await g.release();
    for (let i = 0; i < 2; i++) {
      expect(result.after[i]).toBeGreaterThan(result.before[i]);
      expect(result.distance[i]).toBeLessThanOrEqual(2 + 1e-4);
    }
  });

  it.skipIf(!existsSync(MOBILENET))(
    'strictly increases a feature of the int8 MobileNetV2 in [0,1] pixel space',
    async () => {
      const g = await FeatureGradient.open(MOBILENET, {
        features: '627',
        normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
        cacheDir,
      });
      const images = Float32Array.from({ length: g.imageSize }, (_, i) => (Math.sin(i * 0.011) + 1) / 2);
      // Attack the image's most active feature (most features of a random-ish image are near 0).
      const { features } = await g.run(images, new Float32Array(g.featureCount));
      const feature = features.indexOf(Math.max(...features));
      const result = await attackFeature(g, images, { feature, alpha: 0.5, steps: 6, budget: 2 });
      await g.release();
      expect(result.after[0]).toBeGreaterThan(result.before[0]);
      expect(result.distance[0]).toBeLessThanOrEqual(2 + 1e-4);
    },
  );
});
