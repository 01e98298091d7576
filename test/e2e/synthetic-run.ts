/**
 * A small synthetic run directory for the explorer's tests: a dataset of tiny PNGs, samples/predictions/features,
 * a discovery.json whose depth-1 trees are computed from the generated features, and a few visuals.
 * Deterministic (seeded); every class's failures sit above a threshold on one feature, so each group has one
 * failure mode on that feature.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { RUN_FILES, VISUAL_FILES, visualsFolder } from '../../src/run/format.js';
import { writeJson } from '../../src/run/tables.js';
import { writeSyntheticRun } from '../support/synthetic-run.js';
import type { ClassInfo, Prediction, Sample } from '../../src/shared/types.js';
import {
  DISCOVERY_FORMAT,
  type DiscoveryResult,
  type GroupResult,
  type LeafMetrics,
} from '../../src/discover/schema.js';

export interface SyntheticRunOptions {
  dir: string;
  classes: number;
  samplesPerClass: number;
  featureCount?: number;
  /** Distinct PNGs written; samples reuse them cyclically (keeps a 1000-class run fast to build). */
  distinctImages?: number;
  /** Also write a second prediction set "robust" for model comparison. */
  secondModel?: boolean;
  /** Write visuals for class 0's mode feature. */
  visuals?: boolean;
  /** Override a class's name (e.g. to test escaping). */
  classNames?: Record<number, string>;
  /** Warnings recorded in run.json as extraction's (extract.warnings). */
  extractWarnings?: string[];
}

export interface SyntheticRun {
  runDir: string;
  datasetRoot: string;
  classes: ClassInfo[];
  samples: Sample[];
  /** The feature class c's failures are separated on. */
  modeFeature: (classIndex: number) => number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function leaf(n: number, failures: number, total: number): LeafMetrics {
  const errorRate = n ? failures / n : 0;
  const errorCoverage = total ? failures / total : 0;
  return { n, failures, errorRate, errorCoverage, importance: errorRate * errorCoverage };
}

async function tinyPng(file: string, r: number, g: number, b: number): Promise<void> {
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } })
    .png()
    .toFile(file);
}

export async function buildSyntheticRun(options: SyntheticRunOptions): Promise<SyntheticRun> {
  const featureCount = options.featureCount ?? 16;
  const distinct = options.distinctImages ?? 12;
  const runDir = join(options.dir, 'run');
  const datasetRoot = join(options.dir, 'dataset');
  mkdirSync(join(datasetRoot, 'img'), { recursive: true });
  mkdirSync(runDir, { recursive: true });
  const random = rng(42);

  for (let k = 0; k < distinct; k++) {
    await tinyPng(join(datasetRoot, 'img', `${k}.png`), (k * 53) % 256, (k * 97) % 256, (k * 151) % 256);
  }

  const classes: ClassInfo[] = [];
  for (let c = 0; c < options.classes; c++) {
    classes.push({
      index: c,
      name: options.classNames?.[c] ?? `class_${c}`,
      wnid: `n${String(c).padStart(8, '0')}`,
    });
  }
  const modeFeature = (c: number) => (c * 3 + 7) % featureCount;

  // Samples are grouped by prediction: sample i is predicted as class c; failures (label != c) have a high value on
  // modeFeature(c). Roughly a third of each group fails.
  const samples: Sample[] = [];
  const preds: Prediction[] = [];
  const predsB: Prediction[] = [];
  const features: number[] = [];
  for (let c = 0; c < options.classes; c++) {
    for (let i = 0; i < options.samplesPerClass; i++) {
      const fails = i % 3 === 0;
      const label = fails ? (c + 1) % options.classes : c;
      const k = samples.length % distinct;
      samples.push({
        id: `c${c}/s${i}.png`,
        path: join(datasetRoot, 'img', `${k}.png`),
        label,
        labelName: classes[label].name,
        split: i % 4 === 3 ? 'val' : 'train',
      });
      preds.push({ prediction: c, probability: 0.5 + random() / 2, top5: [c] });
      predsB.push({ prediction: i % 5 === 0 ? label : c, probability: 0.5, top5: [] });
      for (let j = 0; j < featureCount; j++) {
        let v = random() * 0.4;
        if (j === modeFeature(c) && fails) v += 0.6;
        features.push(v);
      }
    }
  }

  writeSyntheticRun({
    dir: runDir,
    classes,
    samples: samples.map((s, i) => ({
      id: s.id,
      path: s.path,
      label: s.label,
      split: s.split,
      prediction: preds[i].prediction,
      probability: preds[i].probability,
      top5: preds[i].top5,
    })),
    root: datasetRoot,
    dataset: { kind: 'folder', source: datasetRoot },
    cols: featureCount,
    fillRows: (start, out) =>
      out.set(features.slice(start * featureCount, start * featureCount + out.length)),
    featuresOutput: 'x',
    extraPredictions: options.secondModel ? { robust: predsB } : undefined,
    manifest: (manifest) => {
      if (options.extractWarnings) {
        manifest.extract = {
          fingerprint: 'synthetic',
          chunkSize: 1,
          batchSize: 1,
          seconds: 0,
          warnings: options.extractWarnings,
        };
      }
    },
  });
  const now = new Date().toISOString();

  const groups: GroupResult[] = [];
  for (let c = 0; c < options.classes; c++) {
    const rows = samples.map((_, i) => i).filter((i) => preds[i].prediction === c);
    const f = modeFeature(c);
    const threshold = 0.5;
    const isFail = (i: number) => samples[i].label !== c;
    const train = rows.filter((i) => samples[i].split === 'train');
    const held = rows.filter((i) => samples[i].split === 'val');
    const F = train.filter(isFail).length;
    const high = (i: number) => features[i * featureCount + f] > threshold;
    const right = train.filter(high);
    const left = train.filter((i) => !high(i));
    const rightFail = right.filter(isFail).length;
    const heldF = held.filter(isFail).length;
    const heldRight = held.filter(high);
    const heldLeaf = leaf(heldRight.length, heldRight.filter(isFail).length, heldF);
    const trainLeaf = leaf(right.length, rightFail, F);
    const leftLeaf = leaf(left.length, F - rightFail, F);
    const className = classes[c].name;
    groups.push({
      key: `pred-${c}`,
      classIndex: c,
      className,
      n: train.length,
      failures: F,
      baseErrorRate: F / train.length,
      aler: trainLeaf.importance + leftLeaf.importance,
      precision: trainLeaf.errorRate,
      recall: trainLeaf.errorCoverage,
      selectedFeatures: [
        { feature: f, score: 0.5 },
        { feature: (f + 1) % featureCount, score: 0.1 },
      ],
      tree: {
        nodes: [
          {
            id: 0,
            depth: 0,
            n: train.length,
            failures: F,
            feature: f,
            threshold,
            left: 1,
            right: 2,
            impurity: 0.9,
          },
          { id: 1, depth: 1, n: left.length, failures: F - rightFail, impurity: 0.1 },
          { id: 2, depth: 1, n: right.length, failures: rightFail, impurity: 0.05 },
        ],
      },
      modes: [
        {
          id: `pred-${c}/2`,
          rank: 1,
          leaf: 2,
          conditions: [{ feature: f, threshold, op: '>' }],
          rule: `predicted ${className} and feature ${f} > 0.5`,
          train: trainLeaf,
          heldOut: { ...heldLeaf, baseErrorRate: held.length ? heldF / held.length : 0 },
          generalises: heldLeaf.errorRate > (held.length ? heldF / held.length : 0),
          members: rows.filter(high).map((i) => samples[i].id),
          ...(options.secondModel
            ? {
                comparison: {
                  robust: { ...leaf(right.length, Math.floor(rightFail / 2), F), baseErrorRate: 0.2 },
                },
              }
            : {}),
        },
      ],
    });
  }
  const discovery: DiscoveryResult = {
    format: DISCOVERY_FORMAT,
    createdAt: now,
    run: runDir,
    options: {
      groupBy: 'prediction',
      depth: 1,
      topFeatures: 2,
      minLeaf: 1,
      minSplit: 2,
      criterion: 'entropy',
      classWeight: 'balanced',
      ranking: 'mutual-information',
      featureSet: 'robust',
      predictionSet: 'inspected',
      validation: { kind: 'split', heldOutSplit: 'val' },
    },
    groups,
  };
  writeJson(join(runDir, RUN_FILES.discovery), discovery);

  if (options.visuals) {
    const dir = visualsFolder(runDir, 'pred-0', modeFeature(0));
    mkdirSync(dir, { recursive: true });
    for (let k = 1; k <= 3; k++) {
      await tinyPng(join(dir, VISUAL_FILES.top(k)), 200, 40 * k, 40);
      await tinyPng(join(dir, VISUAL_FILES.heatmap(k)), 250, 50, 40 * k);
      await tinyPng(join(dir, VISUAL_FILES.attack(k)), 40 * k, 200, 90);
    }
    writeJson(join(dir, VISUAL_FILES.record), { feature: modeFeature(0), group: 'pred-0' });
  }
  return { runDir, datasetRoot, classes, samples, modeFeature };
}
