import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ROBUST_MODEL } from '../../inference/default-models.js';
import { loadRun } from '../../run/load.js';
import { register } from './extract.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-cli-extract-'));
const data = join(work, 'data');
beforeAll(async () => {
  // Two ImageNet class folders, so the 1000-way default model can serve as the inspected model too.
  for (const [i, name] of ['tench', 'goldfish'].entries()) {
    mkdirSync(join(data, name), { recursive: true });
    for (let j = 0; j < 2; j++) {
      const background = { r: 40 + 100 * i, g: 60 * j, b: 200 - 80 * i };
      const img = sharp({ create: { width: 40 + 10 * j, height: 30, channels: 3, background } });
      writeFileSync(join(data, name, `${j}.png`), await img.png().toBuffer());
    }
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function program(): Command {
  const p = new Command().exitOverride();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(p);
  return p;
}

async function extract(args: string[]): Promise<string> {
  let said = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    said += String(s);
    return true;
  });
  try {
    await program().parseAsync(['extract', '--data', data, '--threads', '1', ...args], { from: 'user' });
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return said;
}

describe.skipIf(!existsSync(DEFAULT_ROBUST_MODEL))('faultline extract without --robust', () => {
  it('takes robust features from the shipped model and says so', async () => {
    const out = join(work, 'run-default');
    const said = await extract(['--model', DEFAULT_ROBUST_MODEL, '--out', out]);
    expect(said).toMatch(/robust features: imagenet-robust-mobilenetv2\.onnx \(the shipped default/);
    const run = loadRun(out);
    expect(run.manifest.models.robust?.path).toBe(DEFAULT_ROBUST_MODEL);
    expect(run.manifest.features.robust).toMatchObject({ rows: 4, cols: 1280 });
    expect(run.manifest.featureMap).toMatchObject({ channels: 1280, height: 7, width: 7 });
  });

  it('extracts predictions only with --robust none, and squashes with --robust-preprocess resize', async () => {
    const none = join(work, 'run-none');
    await extract(['--model', DEFAULT_ROBUST_MODEL, '--robust', 'none', '--out', none]);
    expect(loadRun(none).manifest.features.robust).toBeUndefined();
    const squashed = join(work, 'run-resize');
    await extract(['--model', DEFAULT_ROBUST_MODEL, '--robust-preprocess', 'resize', '--out', squashed]);
    expect(loadRun(squashed).manifest.preprocessing.robust?.mode).toBe('resize');
  });
});
