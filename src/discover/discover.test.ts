import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRun } from '../run/load.js';
import { FaultlineError } from '../shared/errors.js';
import {
  DEFAULT_DISCOVER_OPTIONS,
  discover,
  discoverGroup,
  optionsFromStored,
  writeDiscovery,
} from './discover.js';
import { DISCOVERY_FORMAT, type DiscoveryResult } from './schema.js';
import { seededRandom, writeSyntheticRun, type SyntheticSample } from '../../test/support/synthetic-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-discover-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const COLS = 20;
const CLASSES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

/**
 * Group "predicted alpha" (600 samples): feature 7 <= 0.3 gives 90% errors, else 5%; feature 7 never falls in
 * (0.28, 0.32) so the recovered threshold must land in that gap. Group "predicted beta" (1000): random features,
 * 20% errors. "gamma" is never wrong (F = 0), "delta" always wrong (F = N), "epsilon" has 3 samples.
 * Every third sample is in split 'val'. A second model ("other") is right on all planted failures.
 */
function plantedRun(
  dir: string,
  opts: { nanAt?: number } = {},
): { samples: SyntheticSample[]; planted: number[] } {
  const rand = seededRandom(7);
  const samples: SyntheticSample[] = [];
  const values: number[][] = [];
  const other: number[] = [];
  const planted: number[] = [];
  const row = (): number[] => Array.from({ length: COLS }, () => rand());
  for (let i = 0; i < 600; i++) {
    const v = row();
    const u = rand() * 0.96;
    v[7] = u < 0.28 ? u : u + 0.04;
    const fails = rand() < (v[7] <= 0.3 ? 0.9 : 0.05);
    samples.push({ label: fails ? 1 : 0, prediction: 0 });
    // The other model is right wherever the rule holds, and predicts like the inspected one elsewhere.
    other.push(v[7] <= 0.3 ? (fails ? 1 : 0) : 0);
    if (v[7] <= 0.3) planted.push(samples.length - 1);
    values.push(v);
  }
  for (let i = 0; i < 1000; i++) {
    samples.push({ label: rand() < 0.2 ? 2 : 1, prediction: 1 });
    other.push(1);
    values.push(row());
  }
  for (let i = 0; i < 50; i++) {
    samples.push({ label: 2, prediction: 2 });
    other.push(2);
    values.push(row());
  }
  for (let i = 0; i < 40; i++) {
    samples.push({ label: 0, prediction: 3 });
    other.push(0);
    values.push(row());
  }
  for (let i = 0; i < 3; i++) {
    samples.push({ label: i === 0 ? 0 : 4, prediction: 4 });
    other.push(4);
    values.push(row());
  }
  samples.forEach((s, i) => (s.split = i % 3 === 0 ? 'val' : 'train'));
  writeSyntheticRun({
    dir,
    classNames: CLASSES,
    samples,
    cols: COLS,
    extraPredictions: { other },
    fillRows: (start, out) => {
      for (let r = 0; r < out.length / COLS; r++) {
        for (let j = 0; j < COLS; j++) out[r * COLS + j] = values[start + r][j];
        if (opts.nanAt === start + r) out[r * COLS + 3] = NaN;
      }
    },
  });
  return { samples, planted };
}

const runDir = join(tmp, 'planted');
plantedRun(runDir);

function group(result: DiscoveryResult, key: string) {
  const g = result.groups.find((x) => x.key === key);
  if (!g) throw new Error(`no group ${key}`);
  return g;
}

describe('discover on a planted rule', () => {
  it.each([1, 2])('recovers feature 7 <= 0.3 at depth %i', async (depth) => {
    const result = await discover(loadRun(runDir), { depth, classes: ['alpha'] });
    expect(result.groups).toHaveLength(1);
    const g = result.groups[0];
    expect(g.key).toBe('pred-0');
    expect(g.selectedFeatures[0].feature).toBe(7);
    const root = g.tree?.nodes[0];
    expect(root?.feature).toBe(7);
    expect(root?.threshold).toBeGreaterThan(0.28);
    expect(root?.threshold).toBeLessThan(0.32);
    const top = g.modes[0];
    expect(top.conditions[0]).toMatchObject({ feature: 7, op: '<=' });
    expect(top.rule).toMatch(/^predicted alpha and feature 7 <= 0\.(29|3|30|31)/);
    expect(top.train.errorRate).toBeGreaterThan(0.8);
    expect(top.id).toBe(`pred-0/${top.leaf}`);
    expect(top.members.length).toBe(top.train.n);
    if (depth === 1) expect(top.train.errorCoverage).toBeGreaterThan(0.75);
  });

  it('uses the mean-activation ranking and gini when asked', async () => {
    const result = await discover(loadRun(runDir), {
      classes: ['0'],
      ranking: 'mean-activation',
      criterion: 'gini',
      topFeatures: COLS,
    });
    const g = result.groups[0];
    expect(g.selectedFeatures).toHaveLength(COLS);
    expect(g.tree?.nodes[0].feature).toBe(7);
  });

  it('names features in rules when a name map is given', async () => {
    const result = await discover(loadRun(runDir), {
      classes: ['alpha'],
      featureNames: new Map([[7, 'handle']]),
    });
    expect(result.groups[0].modes[0].rule).toContain("feature 7 'handle' <=");
  });
});

describe('discover on the whole run', () => {
  it('handles random features, F = 0, F = N and tiny groups, and ranks the dataset', async () => {
    const result = await discover(loadRun(runDir), { minLeaf: 2 });
    expect(result.format).toBe(DISCOVERY_FORMAT);
    const random = group(result, 'pred-1');
    expect(random.aler).toBeDefined();
    expect(Math.abs((random.aler as number) - random.baseErrorRate)).toBeLessThan(0.05);
    expect(group(result, 'pred-2').skippedReason).toMatch(/F = 0/);
    expect(group(result, 'pred-3').skippedReason).toMatch(/F = N/);
    expect(group(result, 'pred-4').skippedReason).toMatch(/too small/);
    expect(result.summary?.byBaseErrorRate[0]).toBe('pred-3');
    expect(result.summary?.byTopModeImportance[0]).toBe('pred-0');
    expect(result.summary?.groupsSkipped).toBe(3);
  });

  it('scores modes on the held-out split and marks the planted one as generalising', async () => {
    const result = await discover(loadRun(runDir), {
      classes: ['alpha', 'beta'],
      validation: { kind: 'split', heldOutSplit: 'val' },
    });
    const planted = group(result, 'pred-0');
    expect(planted.n).toBe(400);
    expect(planted.heldOut?.n).toBe(200);
    const top = planted.modes[0];
    expect(top.heldOut?.errorRate).toBeGreaterThan(0.8);
    expect(top.generalises).toBe(true);
    expect(top.members.length).toBeGreaterThan(top.train.n);
  });

  it('supports a seeded stratified random split and k-fold', async () => {
    const random = await discover(loadRun(runDir), {
      classes: ['alpha'],
      validation: { kind: 'random', fraction: 0.3, seed: 1 },
    });
    // 30% of each stratum (successes, failures), rounded per stratum.
    expect(Math.abs((random.groups[0].heldOut?.n ?? 0) - 180)).toBeLessThanOrEqual(2);
    expect(random.groups[0].modes[0].generalises).toBe(true);
    const again = await discover(loadRun(runDir), {
      classes: ['alpha'],
      validation: { kind: 'random', fraction: 0.3, seed: 1 },
    });
    expect(again.groups[0].modes[0].members).toEqual(random.groups[0].modes[0].members);
    const kfold = await discover(loadRun(runDir), {
      classes: ['alpha'],
      validation: { kind: 'kfold', folds: 5, seed: 0 },
    });
    expect(kfold.groups[0].crossValidation?.folds).toBe(5);
    expect(kfold.groups[0].crossValidation?.precision).toBeGreaterThan(0.8);
  });

  it('compares the same modes under a second model', async () => {
    const result = await discover(loadRun(runDir), { classes: ['alpha'], compare: ['other'] });
    const g = result.groups[0];
    expect(g.comparison?.other.failures).toBeLessThan(g.failures);
    const top = g.modes[0];
    expect(top.comparison?.other.n).toBe(top.train.n);
    expect(top.comparison?.other.errorRate).toBeLessThan(top.train.errorRate);
    expect(result.options.compareWith).toEqual(['other']);
  });

  it('groups by label', async () => {
    const result = await discover(loadRun(runDir), { groupBy: 'label', classes: ['beta'] });
    expect(result.groups[0].key).toBe('label-1');
    expect(result.groups[0].modes[0]?.rule ?? 'label beta').toMatch(/^label beta/);
  });

  it('writes discovery.json and gives one group on its own', async () => {
    const run = loadRun(runDir);
    const result = await discover(run, { classes: ['alpha'] });
    const file = writeDiscovery(run, result);
    const back = JSON.parse(readFileSync(file, 'utf8')) as DiscoveryResult;
    expect(back.groups[0].modes[0].id).toBe(result.groups[0].modes[0].id);
    const one = await discoverGroup(run, 0);
    expect(one.tree?.nodes[0].feature).toBe(7);
  });
});

describe('discover with worker threads', () => {
  it('gives the same result as the in-thread path', async () => {
    const run = loadRun(runDir);
    const classes = ['alpha', 'beta'];
    const inThread = await discover(run, { depth: 2, classes });
    const workers = await discover(run, { depth: 2, classes, workers: 2 });
    expect(workers.groups).toEqual(inThread.groups);
  });
});

describe('discover: bad input', () => {
  it('names the feature file and the row of a NaN', async () => {
    const dir = join(tmp, 'nan');
    plantedRun(dir, { nanAt: 5 });
    await expect(discover(loadRun(dir), { classes: ['alpha'] })).rejects.toThrow(
      /features\.npy: row 5, feature 3: value NaN/,
    );
  });
  it('rejects unknown classes, sets and held-out splits with FaultlineErrors', async () => {
    const run = loadRun(runDir);
    await expect(discover(run, { classes: ['zebra'] })).rejects.toThrow(/unknown classes: "zebra"/);
    await expect(discover(run, { predictionSet: 'nope' })).rejects.toThrow(FaultlineError);
    await expect(discover(run, { featureSet: 'nope' })).rejects.toThrow(/for featureSet but/);
    await expect(discover(run, { validation: { kind: 'split', heldOutSplit: 'test' } })).rejects.toThrow(
      /no sample has split "test"/,
    );
    await expect(discover(run, { depth: 0 })).rejects.toThrow(/for depth but/);
  });
});

describe('discovery.json options', () => {
  it('records every option that decides the result, and reading them back re-runs the same discovery', async () => {
    const run = loadRun(runDir);
    const options = {
      depth: 2,
      topFeatures: 5,
      minLeaf: 3,
      classes: ['alpha', 'beta'],
      compare: ['other'],
      validation: { kind: 'random' as const, fraction: 0.3, seed: 4 },
      miNoise: { kind: 'jitter' as const, seed: 9 },
    };
    const first = await discover(run, options);
    const stored = JSON.parse(JSON.stringify(first.options)) as DiscoveryResult['options'];
    expect(optionsFromStored(stored)).toEqual({
      ...storedToExpected(),
      ...options,
    });
    const again = await discover(run, optionsFromStored(stored));
    expect(again.groups).toEqual(first.groups);
    expect(again.options).toEqual(first.options);
  });
});

function storedToExpected() {
  const { minSplit, criterion, classWeight, ranking, featureSet, predictionSet } = DEFAULT_DISCOVER_OPTIONS;
  // The default groupBy 'auto' is stored as the grouping it chose: by prediction on this fully labelled run.
  return { groupBy: 'prediction', minSplit, criterion, classWeight, ranking, featureSet, predictionSet };
}
