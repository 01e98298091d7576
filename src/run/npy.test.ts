import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { NpyMatrixReader, NpyMatrixWriter, npyHeader, parseNpyHeader, writeNpyMatrix } from './npy.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-npy-'));

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('npy', () => {
  it('writes a header numpy accepts, aligned to 64 bytes', () => {
    const h = npyHeader(3, 5);
    expect(h.length % 64).toBe(0);
    expect(parseNpyHeader(h, 'x.npy')).toEqual({ rows: 3, cols: 5, dataOffset: h.length });
  });

  it('round-trips rows, row sets and out-of-order writes', () => {
    const file = join(dir, 'a.npy');
    const w = new NpyMatrixWriter(file, 4, 2);
    w.writeRows(2, new Float32Array([5, 6, 7, 8]));
    w.writeRows(0, new Float32Array([1, 2]));
    w.close();
    const resumed = new NpyMatrixWriter(file, 4, 2, { resume: true });
    resumed.writeRows(1, new Float32Array([3, 4]));
    resumed.close();
    const r = new NpyMatrixReader(file);
    expect([r.rows, r.cols]).toEqual([4, 2]);
    expect([...r.readRows(0, 4)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...r.readRowSet([3, 0, 1])]).toEqual([7, 8, 1, 2, 3, 4]);
    r.close();
  });

  it('refuses to resume into a file of another shape', () => {
    const file = join(dir, 'b.npy');
    new NpyMatrixWriter(file, 4, 2).close();
    expect(() => new NpyMatrixWriter(file, 4, 3, { resume: true })).toThrow(/shape \(4, 3\)/);
  });

  it('names the file when it is not a float32 matrix or is truncated', () => {
    const bad = join(dir, 'bad.npy');
    writeFileSync(bad, 'hello');
    expect(() => new NpyMatrixReader(bad)).toThrow(/bad\.npy: not a NumPy/);
    const short = join(dir, 'short.npy');
    writeNpyMatrix(short, new Float32Array(6), 2, 3);
    writeFileSync(short, readFileSync(short).subarray(0, 140));
    expect(() => new NpyMatrixReader(short)).toThrow(/short\.npy: file is truncated/);
  });

  it.skipIf(!hasNumpy())('loads in numpy with the right shape and values', () => {
    const file = join(dir, 'np.npy');
    writeNpyMatrix(file, new Float32Array([0.5, -1, 2, 3.25, 4, 5]), 2, 3);
    const out = execFileSync('python3', [
      '-c',
      `import numpy as np; a=np.load('${file}'); print(a.shape, a.dtype, a.tolist())`,
    ]);
    expect(out.toString().trim()).toBe('(2, 3) float32 [[0.5, -1.0, 2.0], [3.25, 4.0, 5.0]]');
  });
});
