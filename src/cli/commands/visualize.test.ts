import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTinyRun } from '../../../test/fixtures/explain/tiny-run.js';
import { register } from './visualize.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-cli-visualize-'));
beforeAll(() => {
  process.env.FAULTLINE_GRADIENT_CACHE = join(work, 'cache');
});
afterAll(() => {
  delete process.env.FAULTLINE_GRADIENT_CACHE;
  rmSync(work, { recursive: true, force: true });
});

function program(): Command {
  const p = new Command().exitOverride();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(p);
  return p;
}

describe('faultline visualize', () => {
  it('writes the visuals of a feature and prints before -> after values', async () => {
    const dir = await makeTinyRun(join(work, 'run'));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let printed = '';
    try {
      await program().parseAsync(
        [
          'visualize',
          dir,
          '--group',
          'pred-0',
          '--feature',
          '4',
          '--k',
          '2',
          '--steps',
          '2',
          '--alpha',
          '0.5',
          '--out',
          join(work, 'out'),
        ],
        { from: 'user' },
      );
      printed = out.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(printed).toMatch(/feature 4 in pred-0 \(cat\): [\d.]+ -> [\d.]+, [\d.]+ -> [\d.]+/);
    expect(existsSync(join(work, 'out', 'pred-0', 'feature-4', 'sheet.png'))).toBe(true);
  });

  it('rejects bad options with FaultlineErrors naming the option', async () => {
    await expect(
      program().parseAsync(['visualize', 'x', '--group', 'cat', '--feature', '-1'], { from: 'user' }),
    ).rejects.toThrow(/--feature/);
    await expect(
      program().parseAsync(['visualize', 'x', '--feature', '3'], { from: 'user' }),
    ).rejects.toThrow(/--group or --mode/);
    await expect(
      program().parseAsync(['visualize', 'x', '--group', 'cat', '--feature', '3', '--alpha', '0'], {
        from: 'user',
      }),
    ).rejects.toThrow(/--alpha/);
  });
});
