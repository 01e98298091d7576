import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracy, computeClassStats } from './class-stats.js';
import { isInside, PathRefusedError, realRoots, resolveInsideRoots } from './safe-path.js';

describe('computeClassStats', () => {
  const labels = [0, 0, 1, 1, 2];
  const preds = [0, 1, 1, 1, 1];
  it('groups by prediction', () => {
    const s = computeClassStats(labels, preds, 3, 'prediction');
    expect(s.map((c) => [c.n, c.failures])).toEqual([
      [1, 0],
      [4, 2],
      [0, 0],
    ]);
    expect(s[1].baseErrorRate).toBe(0.5);
    expect(s[2].baseErrorRate).toBe(0);
  });
  it('groups by label', () => {
    const s = computeClassStats(labels, preds, 3, 'label');
    expect(s.map((c) => [c.n, c.failures])).toEqual([
      [2, 1],
      [2, 0],
      [1, 1],
    ]);
  });
  it('computes accuracy, 0 for no samples', () => {
    expect(accuracy(labels, preds)).toBe(0.6);
    expect(accuracy([], [])).toBe(0);
  });
});

describe('safe paths', () => {
  it('compares whole path segments', () => {
    expect(isInside('/data/a.png', '/data')).toBe(true);
    expect(isInside('/data', '/data')).toBe(true);
    expect(isInside('/data2/a.png', '/data')).toBe(false);
  });
  it('follows symlinks before deciding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-safe-'));
    try {
      mkdirSync(join(dir, 'root'));
      writeFileSync(join(dir, 'root', 'in.png'), 'x');
      writeFileSync(join(dir, 'out.png'), 'x');
      symlinkSync(join(dir, 'out.png'), join(dir, 'root', 'link.png'));
      symlinkSync(join(dir, 'root', 'in.png'), join(dir, 'root', 'inner-link.png'));
      const roots = realRoots([join(dir, 'root'), join(dir, 'missing')]);
      expect(roots).toHaveLength(1);
      expect(resolveInsideRoots(join(dir, 'root', 'in.png'), roots)).toMatch(/in\.png$/);
      expect(resolveInsideRoots(join(dir, 'root', 'inner-link.png'), roots)).toMatch(/in\.png$/);
      expect(() => resolveInsideRoots(join(dir, 'root', 'link.png'), roots)).toThrow(PathRefusedError);
      expect(() => resolveInsideRoots(join(dir, 'root', '..', 'out.png'), roots)).toThrow(PathRefusedError);
      expect(() => resolveInsideRoots(join(dir, 'root'), roots)).toThrow('not a regular file');
      expect(() => resolveInsideRoots(join(dir, 'root', 'nope.png'), roots)).toThrow('file not found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
