/**
 * A real crash: the CLI is SIGKILLed in the middle of an extraction, then the same command is rerun. The result
 * must be byte-identical to an uninterrupted run (the journal's torn last line, if any, is cut off).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { extractRun } from '../../src/extract/extract.js';
import { writeTinyModel } from '../helpers/tiny-model.js';

const cli = resolve('dist/cli/index.js');
const work = mkdtempSync(join(tmpdir(), 'faultline-sigkill-'));
const data = join(work, 'data');
const model = join(work, 'tiny.onnx');

beforeAll(async () => {
  for (const name of ['a', 'b']) {
    mkdirSync(join(data, name), { recursive: true });
    for (let i = 0; i < 160; i++) {
      const img = sharp({
        create: {
          width: 64,
          height: 48,
          channels: 3,
          background: { r: i, g: name === 'a' ? 30 : 200, b: 255 - i },
        },
      });
      writeFileSync(join(data, name, `${String(i).padStart(3, '0')}.png`), await img.png().toBuffer());
    }
  }
  writeTinyModel(model, { size: 32, channels: 8, classes: 2 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const flags = (out: string) => [
  'extract',
  '--data',
  data,
  '--model',
  model,
  '--robust',
  model,
  '--preprocess',
  'resize',
  '--batch-size',
  '4',
  '--chunk-size',
  '8',
  '--threads',
  '1',
  '--out',
  out,
];

describe.skipIf(!existsSync(cli))('extract killed with SIGKILL', () => {
  it('resumes and writes the same bytes as an uninterrupted run', async () => {
    // The same options as the CLI flags above, in process.
    const inProcess = (dir: string) =>
      extractRun({
        data,
        out: dir,
        model,
        robust: model,
        preprocess: 'resize',
        batchSize: 4,
        chunkSize: 8,
        threads: 1,
      });
    const reference = join(work, 'reference');
    await inProcess(reference);

    const out = join(work, 'killed');
    const journal = join(out, '.partial', 'chunks.jsonl');
    const child = spawn(process.execPath, [cli, ...flags(out)], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.on('exit', (_code, signal) => done(signal)),
    );
    // Kill as soon as a few chunks are journaled, i.e. mid-run.
    for (let i = 0; i < 600; i++) {
      if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(join(out, 'run.json'))).toBe(false);

    const summary = await inProcess(out);
    expect(summary.resumedChunks).toBeGreaterThan(0);
    expect(summary.resumedChunks).toBeLessThan(40);
    for (const file of ['features.npy', 'predictions.csv', 'samples.csv']) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(reference, file)))).toBe(true);
    }
  });
});
