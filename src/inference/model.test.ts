import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, globalAveragePool, loadModel } from './model.js';
import { writeTinyModel } from '../../test/helpers/tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-model-'));
const named = join(dir, 'named.onnx');
const anonymous = join(dir, 'anon.onnx');
writeTinyModel(named, { size: 8 });
writeTinyModel(anonymous, { size: 8, names: { logits: 'out0', features: 'out1', featureMap: 'out2' } });

describe('loadModel', () => {
  it('detects input size, outputs and default ImageNet preprocessing from the graph', async () => {
    const m = await loadModel(named, { role: 'inspected' });
    expect(m.spec.input).toBe('input');
    expect(m.spec.outputs).toEqual({ logits: 'logits', features: 'features', featureMap: 'feature_map' });
    expect(m.spec.preprocess).toMatchObject({
      mode: 'crop',
      width: 8,
      height: 8,
      resize: 9,
      mean: [0.485, 0.456, 0.406],
    });
    expect(m.record.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses the sibling spec file and validates it', async () => {
    const withSpec = join(dir, 'spec.onnx');
    writeTinyModel(withSpec, { size: 8 });
    writeFileSync(
      join(dir, 'spec.json'),
      JSON.stringify({ preprocess: { mode: 'resize' }, normalize: { mean: [0, 0, 0], std: [1, 1, 1] } }),
    );
    const m = await loadModel(withSpec, { role: 'robust' });
    expect(m.spec.preprocess).toMatchObject({ mode: 'resize', mean: [0, 0, 0], std: [1, 1, 1] });
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ preprocess: { mode: 'zoom' } }));
    await expect(loadModel(withSpec)).rejects.toThrow(/spec\.json: invalid model spec at "preprocess\.mode"/);
  });

  it("rescales the spec's robustness eps to the input size it is fed at", async () => {
    const robust = join(dir, 'robust.onnx');
    writeTinyModel(robust, { size: 8 });
    // Trained at eps 0.75 at 160 px and run at 224 px: an L2 ball grows with the side, 0.75 x 224 / 160 = 1.05.
    writeFileSync(
      join(dir, 'robust.json'),
      JSON.stringify({
        input: { width: 224, height: 224 },
        robustness: { norm: 'L2', eps: 0.75, size: 160 },
      }),
    );
    const m = await loadModel(robust, { role: 'robust' });
    expect(m.spec.robustness?.norm).toBe('L2');
    expect(m.spec.robustness?.eps).toBeCloseTo(1.05, 12);
    const plain = await loadModel(named, { role: 'robust' });
    expect(plain.spec.robustness).toBeUndefined();
    writeFileSync(
      join(dir, 'robust.json'),
      JSON.stringify({ robustness: { norm: 'Linf', eps: 1, size: 8 } }),
    );
    await expect(loadModel(robust)).rejects.toThrow(/invalid model spec at "robustness\.norm"/);
  });

  it('finds the logits as the only 2-D output besides the requested features', async () => {
    await expect(loadModel(anonymous, { role: 'inspected' })).rejects.toThrow(
      /cannot tell which output holds the class logits \(inputs: input float32\[N,3,8,8\]; outputs: out0/,
    );
    const m = await loadModel(anonymous, { role: 'inspected', featuresOutput: 'out1' });
    expect(m.spec.outputs.logits).toBe('out0');
  });

  it('exposes an intermediate node output as features', async () => {
    const m = await loadModel(named, { role: 'robust', featuresOutput: 'pooled' });
    expect(m.session.outputNames).toContain('pooled');
    expect(m.spec.outputs.features).toBe('pooled');
  });

  it('names the file when it is not a model', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'nope');
    await expect(loadModel(bad)).rejects.toThrow(/bad\.onnx: onnxruntime cannot load the model/);
  });
});

describe('output helpers', () => {
  it('average-pools maps and computes softmax top-1/top-5', () => {
    const pooled = globalAveragePool({
      data: new Float32Array([1, 2, 3, 4, 10, 10, 10, 10]),
      dims: [1, 2, 2, 2],
    });
    expect([...pooled.data]).toEqual([2.5, 10]);
    const [row] = classify({ data: new Float32Array([0, Math.log(3), 0]), dims: [1, 3] });
    expect(row.prediction).toBe(1);
    expect(row.probability).toBeCloseTo(0.6, 7); // float32 logits
    expect(row.top5).toEqual([1, 0, 2]);
  });
});
