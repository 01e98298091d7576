/**
 * An imported checkpoint used as `faultline extract --robust`: the run's features.npy holds the imported model's
 * pooled features, and its feature-map record names the imported model's feature_map output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractRun } from '../../src/extract/extract.js';
import { importCheckpoint } from '../../src/import/import-checkpoint.js';
import { loadRun } from '../../src/run/load.js';
import { NpyMatrixReader } from '../../src/run/npy.js';
import { FIXTURES } from './reference.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-import-extract-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an imported model in faultline extract', () => {
  it('extracts robust features and records the feature map', async () => {
    const robust = join(dir, 'robust.onnx');
    await importCheckpoint({
      checkpoint: join(FIXTURES, 'robust-bottleneck-w4-legacy.pt'),
      arch: 'auto',
      out: robust,
      inputSize: 64,
    });

    // Six 80x80 images in two classes, with predictions in the manifest (no inspected model needed).
    const rows = ['path,label,prediction'];
    for (let i = 0; i < 6; i++) {
      const label = i % 2 === 0 ? 'cat' : 'dog';
      const file = `img${i}.png`;
      const pixels = Buffer.alloc(80 * 80 * 3, 0);
      for (let p = 0; p < pixels.length; p++) pixels[p] = (p * (i + 3) + i * 41) % 256;
      await sharp(pixels, { raw: { width: 80, height: 80, channels: 3 } })
        .png()
        .toFile(join(dir, file));
      rows.push(`${file},${label},${i < 4 ? label : 'cat'}`);
    }
    writeFileSync(join(dir, 'manifest.csv'), rows.join('\n') + '\n');

    const out = join(dir, 'run');
    await extractRun({ data: join(dir, 'manifest.csv'), robust, out, threads: 1 });
    const run = loadRun(out);
    expect(run.manifest.features.robust).toMatchObject({
      rows: 6,
      cols: 128,
      output: 'features',
      pooled: false,
    });
    expect(run.manifest.featureMap).toEqual({ output: 'feature_map', channels: 128, height: 2, width: 2 });
    expect(run.manifest.preprocessing.robust).toMatchObject({
      width: 64,
      height: 64,
      mean: [0, 0, 0],
      std: [1, 1, 1],
    });

    const features = new NpyMatrixReader(join(out, 'features.npy'));
    const first = features.readRows(0, 6);
    features.close();
    expect(first.length).toBe(6 * 128);
    expect(first.every((v) => Number.isFinite(v) && v >= 0)).toBe(true); // post-ReLU averages
    expect(new Set(first).size).toBeGreaterThan(100);
  });
});
