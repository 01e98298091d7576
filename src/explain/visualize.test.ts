import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTinyRun } from '../../test/fixtures/explain/tiny-run.js';
import { DISCOVERY_FORMAT } from '../discover/schema.js';
import { RUN_FILES } from '../run/format.js';
import { loadRun } from '../run/load.js';
import { writeJson } from '../run/tables.js';
import { resolveGroup, topKIndices } from './top-images.js';
import { visualize, type VisualRecord } from './visualize.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-visualize-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const makeRun = () => makeTinyRun(join(work, 'run'));

describe('top images', () => {
  it('orders by value, ties by position', () => {
    expect(topKIndices([1, 3, 3, 0, 2], 3)).toEqual([1, 2, 4]);
  });
});

describe('visualize', () => {
  it('writes top images, heatmaps, attacks, a contact sheet and visual.json for a group', async () => {
    const dir = await makeRun();
    const run = loadRun(dir);
    const group = resolveGroup(run, 'cat', 'prediction');
    expect(group.key).toBe('pred-0');
    expect(group.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const events: string[] = [];
    const [record] = await visualize(run, {
      group: 'cat',
      features: [4],
      k: 3,
      steps: 4,
      alpha: 0.5,
      budget: 1,
      gradientCacheDir: join(work, 'cache'),
      onProgress: (e) => events.push(e.phase),
    });
    const out = join(dir, 'visuals', 'pred-0', 'feature-4');
    for (const f of ['top-1.png', 'top-3.png', 'heatmap-1.png', 'attack-3.png', 'sheet.png', 'visual.json']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    const saved = JSON.parse(readFileSync(join(out, 'visual.json'), 'utf8')) as VisualRecord;
    expect(saved.images.map((i) => i.id)).toEqual(record.images.map((i) => i.id));
    // feature 4 grows with the row index, so the top images of pred-0 are rows 7, 6, 5
    expect(saved.images.map((i) => i.id)).toEqual([run.samples[7].id, run.samples[6].id, run.samples[5].id]);
    for (const image of saved.images) {
      expect(image.attack.after).toBeGreaterThan(image.attack.before);
      expect(image.attack.distance).toBeLessThanOrEqual(1 + 1e-4);
    }
    expect(events).toContain('attack');
    const meta = await sharp(join(out, 'sheet.png')).metadata();
    expect(meta.width).toBeGreaterThan(3 * 100);

    // --mode: every feature on the mode's path, in the mode's group
    const discovery = {
      format: DISCOVERY_FORMAT,
      createdAt: '',
      run: dir,
      options: { groupBy: 'prediction', predictionSet: 'inspected', featureSet: 'robust' },
      groups: [
        {
          key: 'pred-1',
          classIndex: 1,
          className: 'dog',
          modes: [
            {
              id: 'pred-1/2',
              conditions: [
                { feature: 7, threshold: 0.5, op: '<=' },
                { feature: 4, threshold: 3, op: '>' },
                { feature: 7, threshold: 0.1, op: '>' },
              ],
            },
          ],
        },
      ],
    };
    writeJson(join(dir, RUN_FILES.discovery), discovery);
    const records = await visualize(loadRun(dir), {
      mode: 'pred-1/2',
      k: 2,
      steps: 1,
      gradientCacheDir: join(work, 'cache'),
    });
    expect(records.map((r) => [r.group.key, r.feature, r.mode, r.images.length])).toEqual([
      ['pred-1', 7, 'pred-1/2', 2],
      ['pred-1', 4, 'pred-1/2', 2],
    ]);
    expect(existsSync(join(dir, 'visuals', 'pred-1', 'feature-7', 'sheet.png'))).toBe(true);
    await expect(
      visualize(loadRun(dir), { mode: 'pred-9/9', gradientCacheDir: join(work, 'cache') }),
    ).rejects.toThrow(/no failure mode "pred-9\/9"/);
  });
});
