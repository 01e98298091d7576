/** Extraction on the real reference data in ../shared (skipped when it is absent, e.g. on a user's clone). */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extractRun } from '../../src/extract/extract.js';
import { cpuHasVnni } from '../../src/inference/int8-kernels.js';
import { loadRun } from '../../src/run/load.js';
import { writeTinyModel } from '../helpers/tiny-model.js';

const shared = resolve(process.cwd(), '..', 'shared');
const waterJug = join(shared, 'data', 'barlow-water-jug', 'metadata.csv');
const imagenetteVal = join(shared, 'data', 'imagenette', 'val');
const mobilenet = join(shared, 'models', 'mobilenetv2-12-int8.onnx');
const work = mkdtempSync(join(tmpdir(), 'faultline-shared-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!existsSync(waterJug))('Barlow water-jug sample', () => {
  it('ingests metadata.csv predictions: 144 samples, 72 failures', async () => {
    const robust = join(work, 'tiny.onnx');
    writeTinyModel(robust, { size: 16 });
    const out = join(work, 'water-jug');
    await extractRun({ data: waterJug, out, robust, chunkSize: 64, batchSize: 16 });
    const run = loadRun(out);
    const preds = run.predictions();
    expect(run.samples).toHaveLength(144);
    expect(run.samples.filter((s, i) => preds[i].prediction !== s.label)).toHaveLength(72);
    expect(new Set(run.samples.map((s) => s.labelName))).toEqual(new Set(['water_jug']));
    expect(run.manifest.predictions.inspected.source).toBe('file');
    expect(run.openFeatures().rows).toBe(144);
  });
});

describe.skipIf(!existsSync(imagenetteVal) || !existsSync(mobilenet))('Imagenette with MobileNetV2', () => {
  it('maps wnid folders to ImageNet classes and classifies most images right', async () => {
    const out = join(work, 'imagenette');
    const early: string[] = [];
    const summary = await extractRun({
      onWarning: (w) => early.push(w),
      data: imagenetteVal,
      out,
      model: mobilenet,
      preprocess: 'resize',
      limit: 96,
      batchSize: 16,
      chunkSize: 48,
    });
    const run = loadRun(out);
    expect(run.classes).toHaveLength(1000);
    expect(run.samples[0].labelName).toBe('tench');
    expect(run.samples[0].label).toBe(0);
    // The first 96 sorted samples are tench photos; the measured class accuracy is high but not perfect.
    expect(summary.top1Accuracy).toBeGreaterThan(0.6);
    expect(run.manifest.models.inspected?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The int8 model's predictions depend on the CPU's int8 instructions; the run says so where they saturate.
    const saturation = summary.warnings.filter((w) => w.includes('int8 (u8s8)'));
    expect(saturation).toHaveLength(cpuHasVnni() === false ? 1 : 0);
    expect(run.manifest.extract?.warnings ?? []).toEqual(saturation);
    expect(early).toEqual(saturation);
  });
});
