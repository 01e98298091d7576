import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyModel } from './gradcheck.js';
import { DataType, encodeModel, makeNode, makeTensor } from './proto.js';
import { FeatureGradient } from './session.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/explain');
const MOBILENET = join(import.meta.dirname, '../../../../shared/models/mobilenetv2-12-int8.onnx');

function fromBase64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const cacheDir = mkdtempSync(join(tmpdir(), 'faultline-grad-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('whole ResNet-18-shaped model vs PyTorch autograd', () => {
  const ref = JSON.parse(readFileSync(join(FIXTURES, 'resnet18-tiny-gradient.json'), 'utf8')) as {
    inputShape: number[];
    input: string;
    selector: string;
    features: string;
    gradient: string;
  };
  const model = join(FIXTURES, 'resnet18-tiny.onnx');

  for (const features of ['features', 'feature_map']) {
    it(`matches the reference gradient through "${features}"`, async () => {
      const g = await FeatureGradient.open(model, { features, cacheDir });
      const out = await g.run(fromBase64(ref.input), fromBase64(ref.selector));
      await g.release();
      expect(relativeError(out.features, fromBase64(ref.features))).toBeLessThan(1e-5);
      expect(relativeError(out.gradient, fromBase64(ref.gradient))).toBeLessThan(1e-4);
    });
  }

  it('reuses the cached gradient model', async () => {
    const g = await FeatureGradient.open(model, { features: 'features', cacheDir });
    expect(existsSync(g.file)).toBe(true);
    expect(g.file.startsWith(cacheDir)).toBe(true);
    await g.release();
  });
});

describe('a model with the batch size baked into its graph', () => {
  it('is built for batch 1 and runs bigger batches one image at a time', async () => {
    const model = tinyModel({
      nodes: [
        makeNode('Relu', ['x'], ['r'], 'relu'),
        makeNode('Reshape', ['r', 'shape'], ['f'], 'reshape_fixed_batch'),
      ],
      initializers: [makeTensor('shape', DataType.INT64, [2], [1, -1])],
      inputShape: [1, 2, 2, 2],
      features: 'f',
    });
    const file = join(cacheDir, 'fixed-batch.onnx');
    writeFileSync(file, encodeModel(model));
    const g = await FeatureGradient.open(file, { features: 'f', inputShape: [1, 2, 2, 2], cacheDir });
    expect(g.maxBatch).toBe(1);
    const x = Float32Array.from({ length: 24 }, (_, i) => i - 11.5);
    const selector = Float32Array.from({ length: 24 }, (_, i) => i % 5);
    const out = await g.run(x, selector);
    await g.release();
    // relu gradient: selector where x > 0
    expect(Array.from(out.gradient)).toEqual(Array.from(selector, (v, i) => (x[i] > 0 ? v : 0)));
    expect(Array.from(out.features)).toEqual(Array.from(x, (v) => Math.max(0, v)));
  });
});

describe.skipIf(!existsSync(MOBILENET))('int8 MobileNetV2 (QOperator) through dequantisation', () => {
  it('builds a gradient graph whose gradient matches a finite difference along it', async () => {
    const g = await FeatureGradient.open(MOBILENET, {
      features: '627',
      normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      cacheDir,
    });
    expect(g.featureCount).toBe(1280);
    const size = g.imageSize;
    const x = new Float32Array(size);
    let s = 7;
    for (let i = 0; i < size; i++) {
      s = (s * 16807) % 2147483647;
      x[i] = s / 2147483647;
    }
    const selector = new Float32Array(1280);
    selector[17] = 1;
    const base = await g.run(x, selector);
    // Directional derivative along the gradient direction vs a central difference of the feature.
    let norm = 0;
    for (const v of base.gradient) norm += v * v;
    norm = Math.sqrt(norm);
    expect(norm).toBeGreaterThan(0);
    const h = 1e-3;
    const dir = base.gradient.map((v) => v / norm);
    const plus = await g.run(
      x.map((v, i) => v + h * dir[i]),
      selector,
    );
    const minus = await g.run(
      x.map((v, i) => v - h * dir[i]),
      selector,
    );
    const numeric = (plus.features[17] - minus.features[17]) / (2 * h);
    expect(Math.abs(numeric - norm) / norm).toBeLessThan(0.05);
    await g.release();
  });
});
