import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register } from '../cli/commands/discover.js';
import { loadRun } from '../run/load.js';
import type { ClassInfo, Prediction, Sample } from '../shared/types.js';
import { discover } from './discover.js';
import { normaliseClassName } from '../ingest/names.js';
import { chooseGrouping, labelCoverage, resolveClasses } from './grouping.js';
import { seededRandom, writeSyntheticRun, type SyntheticSample } from '../../test/support/synthetic-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-grouping-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const classes = (n: number): ClassInfo[] =>
  Array.from({ length: n }, (_, index) => ({ index, name: `c${index}` }));
const sample = (label: number): Sample => ({ id: `x${label}`, path: '', label, labelName: '', split: '' });
const prediction = (p: number): Prediction => ({ prediction: p, probability: NaN, top5: [] });

describe('labelCoverage', () => {
  it('counts labelled classes and the predictions that fall outside them', () => {
    const c = labelCoverage([0, 0, 1, 1].map(sample), [0, 7, 1, 9].map(prediction), classes(20));
    expect(c).toEqual({
      labelledClasses: 2,
      outputClasses: 20,
      predictionsOutsideLabels: 2,
      predictedClassesOutsideLabels: 2,
      partial: true,
    });
  });

  it('is not partial when the labels cover more than half of the classes, or nothing is predicted outside', () => {
    expect(labelCoverage([0, 1, 2].map(sample), [0, 3, 2].map(prediction), classes(4)).partial).toBe(false);
    expect(labelCoverage([0, 1].map(sample), [1, 0].map(prediction), classes(1000)).partial).toBe(false);
  });
});

describe('chooseGrouping', () => {
  const partial = labelCoverage([0, 1].map(sample), [5, 1].map(prediction), classes(10));
  const full = labelCoverage([0, 1].map(sample), [1, 1].map(prediction), classes(2));

  it('auto groups by prediction on a full label space, with nothing to say', () => {
    expect(chooseGrouping('auto', full)).toMatchObject({ requested: 'auto', chosen: 'prediction' });
    expect(chooseGrouping('auto', full).note).toBeUndefined();
  });

  it('auto groups by label on a partial label space and says why and how to override', () => {
    const choice = chooseGrouping('auto', partial);
    expect(choice.chosen).toBe('label');
    expect(choice.note).toMatch(/^grouped by label: the dataset's labels cover 2 of the model's 10 classes/);
    expect(choice.note).toContain('--group-by prediction overrides');
  });

  it('keeps an explicit choice, and warns when it is the degenerate one', () => {
    expect(chooseGrouping('prediction', partial).chosen).toBe('prediction');
    expect(chooseGrouping('prediction', partial).note).toMatch(/^grouped by prediction as asked, but/);
    expect(chooseGrouping('label', partial)).toMatchObject({ chosen: 'label' });
    expect(chooseGrouping('label', partial).note).toBeUndefined();
  });
});

/**
 * Issue 12 item 3: 10 labelled classes under a 100-class model. Each labelled class has 60 images; 40% of them
 * are misclassified, two thirds of those into classes no image is labelled with (10..99).
 */
function partialRun(dir: string): void {
  const rand = seededRandom(3);
  const samples: SyntheticSample[] = [];
  for (let label = 0; label < 10; label++) {
    for (let i = 0; i < 60; i++) {
      const r = rand();
      const prediction = r < 0.6 ? label : r < 0.73 ? (label + 1) % 10 : 10 + Math.floor(rand() * 90);
      samples.push({ label, prediction });
    }
  }
  writeSyntheticRun({
    dir,
    classNames: Array.from({ length: 100 }, (_, i) => `class${i}`),
    samples,
    cols: 6,
    fillRows: (start, out) => {
      for (let t = 0; t < out.length; t++) out[t] = rand();
    },
  });
}

describe('discover on a dataset that labels only part of the model classes', () => {
  const dir = join(tmp, 'partial');
  partialRun(dir);

  it('groups by label by default and records the choice and the reason', async () => {
    const result = await discover(loadRun(dir), { topFeatures: 3 });
    expect(result.options.groupBy).toBe('label');
    expect(result.groups.map((g) => g.key)).toEqual(Array.from({ length: 10 }, (_, i) => `label-${i}`));
    expect(result.groups.every((g) => g.tree)).toBe(true);
    expect(result.grouping).toMatchObject({
      requested: 'auto',
      chosen: 'label',
      labelledClasses: 10,
      outputClasses: 100,
    });
    expect(result.grouping?.note).toMatch(/^grouped by label/);
  });

  it('still groups by prediction when asked to, and says the grouping is degenerate', async () => {
    const result = await discover(loadRun(dir), { groupBy: 'prediction', topFeatures: 3 });
    expect(result.options.groupBy).toBe('prediction');
    const unlabelled = result.groups.filter((g) => g.classIndex >= 10);
    expect(unlabelled.length).toBe(result.grouping?.predictedClassesOutsideLabels);
    expect(unlabelled.every((g) => g.skippedReason?.startsWith('every sample is a failure'))).toBe(true);
    expect(result.grouping?.note).toMatch(/^grouped by prediction as asked, but/);
  });

  it('the CLI says so before the run (stderr) and after it (the summary)', async () => {
    const p = new Command().exitOverride();
    p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    register(p);
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      await p.parseAsync(['discover', dir, '--top-features', '3', '--workers', '0'], { from: 'user' });
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(err).toMatch(/note: grouped by label: the dataset's labels cover 10 of the model's 100 classes/);
    expect(out).toContain('(grouped by label)');
    expect(out).toMatch(/\nnote: grouped by label: .*--group-by prediction overrides/);
  });
});

describe('discover on a fully labelled dataset', () => {
  it('keeps grouping by prediction by default, with no note', async () => {
    const dir = join(tmp, 'full');
    const rand = seededRandom(5);
    const samples: SyntheticSample[] = Array.from({ length: 200 }, (_, i) => ({
      label: i % 2,
      prediction: rand() < 0.8 ? i % 2 : 1 - (i % 2),
    }));
    writeSyntheticRun({
      dir,
      classNames: ['a', 'b'],
      samples,
      cols: 4,
      fillRows: (_start, out) => {
        for (let t = 0; t < out.length; t++) out[t] = rand();
      },
    });
    const result = await discover(loadRun(dir), { topFeatures: 2 });
    expect(result.options.groupBy).toBe('prediction');
    expect(result.grouping).toMatchObject({ requested: 'auto', chosen: 'prediction', labelledClasses: 2 });
    expect(result.grouping?.note).toBeUndefined();
  });
});

const namedClasses = [
  { index: 0, name: 'water_jug', wnid: 'n04560804' },
  { index: 1, name: 'three-toed sloth' },
  { index: 2, name: 'cup' },
];

describe('resolveClasses (--classes)', () => {
  it('takes indices, wnids and names in any case, with spaces and underscores interchangeable', () => {
    expect(resolveClasses(['Water Jug', 'N04560804', '2', ' cup ', ''], namedClasses)).toEqual([0, 2]);
    expect(resolveClasses(['THREE-TOED  sloth', 'three-toed_sloth'], namedClasses)).toEqual([1]);
  });

  it('compares names with the one normalisation of ingest/names.ts (hyphens are part of a name)', () => {
    expect(normaliseClassName('three toed sloth')).not.toBe(normaliseClassName('three-toed sloth'));
    expect(() => resolveClasses(['three toed sloth', 'mug'], namedClasses)).toThrow(
      'unknown classes: "three toed sloth", "mug"',
    );
  });
});
