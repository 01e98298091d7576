import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import ort from 'onnxruntime-node';
import { extractRun } from '../../src/extract/extract.js';
import { loadRun } from '../../src/run/load.js';
import { loadImageRgb, toInputTensor } from '../../src/image/preprocess.js';
import { writeTinyModel } from '../helpers/tiny-model.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-extract-'));
const data = join(work, 'data');
const model = join(work, 'tiny.onnx');
const CLASSES = ['ant', 'bee', 'cat'];

async function makeDataset(): Promise<void> {
  let n = 0;
  for (const [ci, name] of CLASSES.entries()) {
    mkdirSync(join(data, name), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const rgb = { r: (ci * 90 + i * 7) % 256, g: (i * 31) % 256, b: (ci * 40 + 100) % 256 };
      const img = sharp({ create: { width: 20 + i, height: 18, channels: 3, background: rgb } });
      const buf = await (i % 2 === 0 ? img.jpeg() : img.png()).toBuffer();
      writeFileSync(
        join(data, name, `img-${String(n++).padStart(3, '0')}.${i % 2 === 0 ? 'jpg' : 'png'}`),
        buf,
      );
    }
  }
}

beforeAll(async () => {
  await makeDataset();
  writeTinyModel(model, { size: 16, channels: 4, classes: 3 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = (out: string) => ({
  data,
  out,
  model,
  robust: model,
  preprocess: 'resize' as const,
  batchSize: 4,
  chunkSize: 8,
});

describe('extractRun', () => {
  it('preprocesses for the robust model as --robust-preprocess says and records it in run.json', async () => {
    const cropped = join(work, 'run-robust-crop');
    const squashed = join(work, 'run-robust-resize');
    await extractRun({ ...base(cropped), limit: 6 });
    await extractRun({ ...base(squashed), limit: 6, robustPreprocess: 'resize' });
    const a = loadRun(cropped);
    const b = loadRun(squashed);
    expect(a.manifest.preprocessing.robust?.mode).toBe('crop');
    expect(b.manifest.preprocessing.robust?.mode).toBe('resize');
    expect(b.manifest.preprocessing.inspected?.mode).toBe('resize');
    expect(a.manifest.preprocessing.robust?.resize).toBe(18); // 16 / 0.875, rounded: shorter side, then crop
    expect(b.manifest.preprocessing.robust?.resize).toBeUndefined();
  });

  it('writes a complete run whose features equal a direct onnxruntime call', async () => {
    const out = join(work, 'run-a');
    const summary = await extractRun(base(out));
    expect(summary.samples).toBe(36);
    expect(summary.skipped).toEqual([]);
    const run = loadRun(out);
    expect(run.manifest.status).toBe('complete');
    expect(run.manifest.features.robust).toMatchObject({ rows: 36, cols: 4, output: 'features' });
    expect(run.manifest.featureMap).toMatchObject({
      output: 'feature_map',
      channels: 4,
      height: 16,
      width: 16,
    });
    expect(run.classes.map((c) => c.name)).toEqual(CLASSES);
    const features = run.openFeatures();
    const preds = run.predictions();

    const session = await ort.InferenceSession.create(model);
    const spec = run.manifest.preprocessing.robust!;
    for (const row of [0, 13, 35]) {
      const img = await loadImageRgb(run.samples[row].path, spec);
      const result = await session.run({
        input: new ort.Tensor('float32', toInputTensor([img], spec), [1, 3, 16, 16]),
      });
      expect([...features.readRows(row, row + 1)]).toEqual([...(result.features.data as Float32Array)]);
      const logits = [...(result.logits.data as Float32Array)];
      expect(preds[row].prediction).toBe(logits.indexOf(Math.max(...logits)));
    }
    features.close();
    const acc = run.manifest.predictions.inspected.top1Accuracy;
    const expected = preds.filter((p, i) => p.prediction === run.samples[i].label).length / 36;
    expect(acc).toBeCloseTo(expected, 12);
  });

  it('skips and lists unreadable files and finishes the run', async () => {
    const bad = join(work, 'data-bad');
    rmSync(bad, { recursive: true, force: true });
    for (const name of CLASSES) mkdirSync(join(bad, name), { recursive: true });
    const good = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    for (let i = 0; i < 5; i++) writeFileSync(join(bad, 'ant', `ok-${i}.jpg`), good);
    writeFileSync(join(bad, 'bee', 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)));
    writeFileSync(join(bad, 'bee', 'text.jpg'), 'this is not a JPEG\n');
    writeFileSync(join(bad, 'cat', 'empty.jpg'), '');
    for (let i = 0; i < 3; i++) writeFileSync(join(bad, 'cat', `ok-${i}.jpg`), good);

    const out = join(work, 'run-bad');
    const summary = await extractRun({ ...base(out), data: bad });
    expect(summary.skipped.map((s) => s.id).sort()).toEqual([
      'bee/text.jpg',
      'bee/truncated.jpg',
      'cat/empty.jpg',
    ]);
    for (const s of summary.skipped) expect(s.reason.length).toBeGreaterThan(0);
    for (const s of summary.skipped) expect(s.reason).not.toMatch(/:\s*$/);
    expect(summary.skipped.find((s) => s.id === 'cat/empty.jpg')?.reason).toBe('empty file (0 bytes)');
    const run = loadRun(out);
    expect(run.samples).toHaveLength(8);
    expect(run.skipped).toHaveLength(3);
    expect(run.openFeatures().rows).toBe(8);
    expect(readFileSync(join(out, 'skipped.csv'), 'utf8')).toContain('bee/truncated.jpg');
  });

  it('resumes after a crash and produces byte-identical features', async () => {
    const reference = join(work, 'run-a', 'features.npy');
    const out = join(work, 'run-crash');
    await expect(
      extractRun({
        ...base(out),
        onChunk: (c) => {
          if (c === 2) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(existsSync(join(out, 'run.json'))).toBe(false);
    const summary = await extractRun(base(out));
    expect(summary.resumedChunks).toBe(2);
    expect(readFileSync(join(out, 'features.npy')).equals(readFileSync(reference))).toBe(true);
    expect(readFileSync(join(out, 'predictions.csv'), 'utf8')).toBe(
      readFileSync(join(work, 'run-a', 'predictions.csv'), 'utf8'),
    );
    const again = await extractRun(base(out));
    expect(again.alreadyComplete).toBe(true);
  });

  it('refuses to overwrite a different run and to resume with other settings', async () => {
    const out = join(work, 'run-a');
    await expect(extractRun({ ...base(out), chunkSize: 16 })).rejects.toThrow(/different run/);
  });

  it('reads predictions from a file instead of a model', async () => {
    const run = loadRun(join(work, 'run-a'));
    const csv = ['path,prediction', ...run.samples.map((s) => `${s.id},${CLASSES[(s.label + 1) % 3]}`)].join(
      '\n',
    );
    const file = join(work, 'preds.csv');
    writeFileSync(file, csv);
    const out = join(work, 'run-file');
    const summary = await extractRun({
      data,
      out,
      predictions: file,
      robust: model,
      batchSize: 4,
      chunkSize: 8,
    });
    expect(summary.top1Accuracy).toBe(0);
    expect(loadRun(out).manifest.predictions.inspected.source).toBe('file');
  });

  it('explains which output is missing when the robust model has no features', async () => {
    const odd = join(work, 'odd.onnx');
    writeTinyModel(odd, { names: { logits: 'out0', features: 'out1', featureMap: 'out2' } });
    // With a 4-D output available the map is pooled; with --robust-output pointing nowhere it must fail clearly.
    await expect(
      extractRun({
        data,
        out: join(work, 'run-odd'),
        model,
        robust: odd,
        robustOutput: 'nope',
        preprocess: 'resize',
      }),
    ).rejects.toThrow(/no node produces an output named "nope"/);
  });
});

describe('addFeatureSet', () => {
  it("adds another model's features and seeded random features to a finished run", async () => {
    const { addFeatureSet } = await import('../../src/extract/add-features.js');
    const out = join(work, 'run-a');
    const other = join(work, 'other.onnx');
    writeTinyModel(other, { size: 16, channels: 6, seed: 7 });
    const set = await addFeatureSet({
      run: out,
      name: 'standard',
      model: other,
      preprocess: 'resize',
      batchSize: 5,
    });
    expect(set).toMatchObject({ rows: 36, cols: 6, file: 'features.standard.npy' });
    const rand = await addFeatureSet({ run: out, name: 'random', random: 10, seed: 3 });
    const again = await addFeatureSet({ run: out, name: 'random', random: 10, seed: 3, force: true });
    expect(again).toEqual(rand);
    const run = loadRun(out);
    expect(Object.keys(run.manifest.features).sort()).toEqual(['random', 'robust', 'standard']);
    const r = run.openFeatures('random');
    const values = r.readRows(0, 36);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    r.close();
    await expect(addFeatureSet({ run: out, name: 'random', random: 10 })).rejects.toThrow(
      /already has a feature set/,
    );
    // The model features equal a fresh extraction with that model as the robust one.
    const direct = join(work, 'run-other');
    await extractRun({ ...base(direct), robust: other });
    expect(readFileSync(join(direct, 'features.npy')).subarray(128)).toEqual(
      readFileSync(join(out, 'features.standard.npy')).subarray(128),
    );
  });
});
