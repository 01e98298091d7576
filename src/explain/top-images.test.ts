import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticRun } from '../../test/support/synthetic-run.js';
import { loadRun } from '../run/load.js';
import { resolveGroup } from './top-images.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-top-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveGroup', () => {
  writeSyntheticRun({
    dir,
    classNames: ['water_jug', 'cup'],
    samples: [
      { label: 0, prediction: 0 },
      { label: 1, prediction: 0 },
      { label: 0, prediction: 1 },
    ],
    cols: 2,
    fillRows: (_start, out) => out.fill(0),
  });
  const run = loadRun(dir);

  it('matches class names as every reader does: case, spaces and underscores do not matter', () => {
    expect(resolveGroup(run, 'Water Jug', 'label')).toMatchObject({
      key: 'label-0',
      classIndex: 0,
      rows: [0, 2],
    });
    expect(resolveGroup(run, ' water_jug ', 'prediction')).toMatchObject({ key: 'pred-0', rows: [0, 1] });
    expect(() => resolveGroup(run, 'water-jug', 'label')).toThrow(/no class "water-jug"/);
  });

  it('takes a class index or a group key, whose prefix wins over groupBy', () => {
    expect(resolveGroup(run, 1, 'label').rows).toEqual([1]);
    expect(resolveGroup(run, 'pred-1', 'label')).toMatchObject({
      key: 'pred-1',
      groupBy: 'prediction',
      rows: [2],
    });
    expect(() => resolveGroup(run, 'pred-7', 'label')).toThrow(/no class "pred-7"/);
  });
});
