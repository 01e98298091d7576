/**
 * The Imagenette evaluation (docs/evaluation-imagenette.md): MobileNetV2 (int8, ONNX model zoo) is the inspected
 * model on all 13,394 Imagenette photos; features come from our robust ResNet-18, with four other feature sets on
 * the same run (our robust MobileNetV2 distilled from the 1000-class teacher, MobileNetV2's own penultimate
 * features, a non-robust copy of our ResNet-18, random features). Regenerates every number and figure of the doc:
 *
 *   npx tsx scripts/evaluate-imagenette.ts [--shared ../shared] [--run runs/imagenette] [--steps T]
 *     [--distilled models/imagenet-robust-mobilenetv2.onnx]
 *
 * Held-out part: the 500 ILSVRC2012-val photos (never seen by MobileNetV2 in training) plus a seeded 25% of the
 * other photos (ImageNet-train photos that pretrained models have seen); trees are fitted on the rest.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { extractRun } from '../src/extract/extract.js';
import { addFeatureSet } from '../src/extract/add-features.js';
import { loadRun, type Run } from '../src/run/load.js';
import { discover, writeDiscovery } from '../src/discover/discover.js';
import type { DiscoveryResult, FailureMode, GroupResult } from '../src/discover/schema.js';
import { ATTACK_DEFAULTS } from '../src/explain/attack.js';
import { visualize } from '../src/explain/visualize.js';
import { cpuHasVnni } from '../src/inference/int8-kernels.js';
import { closeModel, loadModel } from '../src/inference/model.js';
import { terminalProgress } from '../src/shared/progress.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const shared = resolve(flag('--shared', '../shared'));
const runDir = resolve(flag('--run', 'runs/imagenette'));
// Attack steps of the figures; default: each robust model's own (attackDefaults, from its spec's robustness).
const stepsFlag = flag('--steps', '');
const steps = stepsFlag === '' ? undefined : Number(stepsFlag);
const docsDir = resolve('docs');
const figures = join(docsDir, 'evaluation-imagenette');
const imagenette = join(shared, 'data', 'imagenette');
const mobilenet = join(shared, 'models', 'mobilenetv2-12-int8.onnx');
const robustModel = resolve(flag('--robust', 'models/imagenette-robust-resnet18.onnx'));
const standardModel = resolve(flag('--standard', 'models/imagenette-standard-resnet18.onnx'));
const distilledModel = resolve(flag('--distilled', 'models/imagenet-robust-mobilenetv2.onnx'));
const HELD_OUT_FRACTION = 0.25;

// --stage extract: only the (long, resumable) extraction, e.g. while the baseline network is still training.
const extractOnly = flag('--stage', 'all') === 'extract';
for (const f of [
  imagenette,
  mobilenet,
  robustModel,
  ...(extractOnly ? [] : [standardModel, distilledModel]),
]) {
  if (!existsSync(f)) throw new Error(`missing ${f}`);
}
mkdirSync(runDir, { recursive: true });
mkdirSync(figures, { recursive: true });

// 1. Manifest with the held-out split.
interface LabelRow {
  path: string;
  wnid: string;
  original_imagenet_split: string;
  sha256: string;
}
const labelsCsv = readFileSync(join(imagenette, 'labels.csv'));
const allLabels = parse(labelsCsv, { columns: true }) as LabelRow[];
// --sample N: every k-th photo only, for a quick dry run of the whole script (the doc uses all photos).
const sample = Number(flag('--sample', '0'));
const labels =
  sample > 0 ? allLabels.filter((_, i) => i % Math.ceil(allLabels.length / sample) === 0) : allLabels;
const heldOutByHash = (path: string) =>
  createHash('sha256').update(`faultline-eval-0:${path}`).digest().readUInt32BE(0) / 2 ** 32 <
  HELD_OUT_FRACTION;
const manifest = join(runDir, 'manifest.csv');
writeFileSync(
  manifest,
  'path,label,split\n' +
    labels
      .map((r) => {
        const heldOut = r.original_imagenet_split === 'ILSVRC2012_val' || heldOutByHash(r.path);
        return `${r.path},${r.wnid},${heldOut ? 'heldout' : 'fit'}`;
      })
      .join('\n') +
    '\n',
);

// 2. Extraction (resumable) and the baseline feature sets.
const data = join(runDir, 'data');
const summary = await extractRun(
  {
    data: manifest,
    out: data,
    model: mobilenet,
    preprocess: 'resize',
    inspectedFeatures: '627',
    robust: robustModel,
    batchSize: 16,
    kind: 'manifest',
    root: imagenette,
  },
  terminalProgress('extract'),
);
if (extractOnly) {
  console.log(`extracted ${summary.samples} samples into ${data}`);
  process.exit(0);
}
let run = loadRun(data);
if (!run.manifest.features.standard) {
  await addFeatureSet(
    { run: data, name: 'standard', model: standardModel, batchSize: 16 },
    terminalProgress('standard'),
  );
}
run = loadRun(data);
if (!run.manifest.features.distilled) {
  // Imagenette's photos are square 224 px crops already: squash, as for the inspected model.
  await addFeatureSet(
    { run: data, name: 'distilled', model: distilledModel, batchSize: 16, preprocess: 'resize' },
    terminalProgress('distilled'),
  );
}
run = loadRun(data);
if (!run.manifest.features.random) await addFeatureSet({ run: data, name: 'random', random: 512, seed: 0 });
run = loadRun(data);

// 3. Discovery over every configuration.
const FEATURE_SETS = [
  ['robust', 'robust ResNet-18 (ours, L2 PGD)'],
  ['distilled', 'robust MobileNetV2 (ours, distilled from the 1000-class teacher)'],
  ['standard', 'non-robust ResNet-18 (same recipe, no attack)'],
  ['inspected', "MobileNetV2's own penultimate features"],
  ['random', 'random features (512, uniform)'],
] as const;
const results = new Map<string, DiscoveryResult>();
for (const [set] of FEATURE_SETS) {
  for (const groupBy of ['prediction', 'label'] as const) {
    for (const depth of [1, 2]) {
      const key = `${set}-${groupBy}-d${depth}`;
      const file = join(runDir, `discovery-${key}.json`);
      const result = await discover(run, {
        featureSet: set,
        groupBy,
        depth,
        minLeaf: 5,
        validation: { kind: 'split', heldOutSplit: 'heldout' },
      });
      writeFileSync(file, JSON.stringify(result));
      results.set(key, result);
    }
  }
}

// 4. Tables.
const pct = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`;
const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const treeGroups = (r: DiscoveryResult) => r.groups.filter((g) => g.tree && g.aler !== undefined);
const topMode = (g: GroupResult): FailureMode | undefined => g.modes[0];

function comparisonRow(set: string, label: string, r: DiscoveryResult): string {
  const groups = treeGroups(r);
  const tops = groups.map(topMode).filter((m): m is FailureMode => m !== undefined);
  const withHeld = tops.filter((m) => m.heldOut && m.heldOut.n > 0);
  return [
    label,
    String(groups.length),
    pct(mean(groups.map((g) => g.baseErrorRate))),
    pct(mean(groups.map((g) => g.aler!))),
    pct(mean(groups.map((g) => g.precision ?? NaN).filter((x) => !Number.isNaN(x)))),
    pct(mean(groups.map((g) => g.recall ?? NaN).filter((x) => !Number.isNaN(x)))),
    pct(mean(tops.map((m) => m.train.errorRate))),
    pct(mean(withHeld.map((m) => m.heldOut!.errorRate))),
    pct(mean(withHeld.map((m) => m.heldOut!.baseErrorRate))),
    `${withHeld.filter((m) => m.generalises).length}/${withHeld.length}`,
  ].join(' | ');
}

const lines: string[] = [];
lines.push(
  `Generated by \`npx tsx scripts/evaluate-imagenette.ts\` on ${new Date().toISOString().slice(0, 10)}.`,
);
lines.push('');
lines.push(
  `Run: ${run.samples.length} photos, ${run.skipped.length} skipped; MobileNetV2 top-1 ` +
    `${pct(run.manifest.predictions.inspected.top1Accuracy)} (resize 224, ImageNet mean/std). Held-out part: ` +
    `${run.samples.filter((s) => s.split === 'heldout').length} photos (the 500 ILSVRC2012-val photos + a seeded ` +
    `${HELD_OUT_FRACTION * 100}% of the rest); trees fitted on the other ` +
    `${run.samples.filter((s) => s.split === 'fit').length}. Trees: entropy, balanced class weight, ` +
    'top-50 features by mutual information, min 5 samples per leaf.',
);
lines.push('');
lines.push(
  `Extraction: ${summary.alreadyComplete ? 'reused an existing run' : `${summary.seconds.toFixed(0)} s`}.`,
);
// MobileNetV2-int8's predictions depend on the CPU's int8 instructions (src/inference/int8-kernels.ts).
const vnni = cpuHasVnni();
lines.push('');
lines.push(
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, VNNI ` +
    `${vnni === undefined ? 'unknown' : vnni ? 'yes' : 'no (int8 kernels saturate: MobileNetV2 predictions differ from a VNNI machine)'}; ` +
    `onnxruntime-node ${run.manifest.versions.onnxruntime}.`,
);
for (const groupBy of ['label', 'prediction'] as const) {
  for (const depth of [1, 2]) {
    lines.push('');
    lines.push(`### Feature sets compared: grouped by ${groupBy}, depth ${depth}`);
    lines.push('');
    lines.push(
      '| features | groups with a tree | mean BER | mean ALER | tree precision | tree recall | top mode ER (fit) | top mode ER (held-out) | held-out BER | top modes that generalise |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const [set, label] of FEATURE_SETS) {
      lines.push(`| ${comparisonRow(set, label, results.get(`${set}-${groupBy}-d${depth}`)!)} |`);
    }
  }
}

function classTable(r: DiscoveryResult, title: string): void {
  lines.push('');
  lines.push(`### ${title}`);
  lines.push('');
  lines.push(
    '| class | N | F | BER | ALER | top failure mode | ER fit | EC fit | ER held-out | EC held-out | held-out n |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const groups = [...r.groups].sort(
    (a, b) => (topMode(b)?.train.importance ?? 0) - (topMode(a)?.train.importance ?? 0),
  );
  for (const g of groups) {
    const m = topMode(g);
    lines.push(
      `| ${g.className} | ${g.n} | ${g.failures} | ${pct(g.baseErrorRate)} | ${pct(g.aler)} | ${
        m ? m.rule.replace(/\|/g, '\\|') : (g.skippedReason ?? 'no failure leaf')
      } | ${pct(m?.train.errorRate)} | ${pct(m?.train.errorCoverage)} | ${pct(m?.heldOut?.errorRate)} | ${pct(
        m?.heldOut?.errorCoverage,
      )} | ${m?.heldOut?.n ?? '–'} |`,
    );
  }
}
classTable(results.get('robust-label-d2')!, 'Per class, robust features, grouped by label, depth 2');
classTable(results.get('robust-label-d1')!, 'Per class, robust features, grouped by label, depth 1');
const byPrediction = results.get('robust-prediction-d2')!;
byPrediction.groups = byPrediction.groups.filter((g) => g.tree);
classTable(byPrediction, 'Per predicted class with a tree, robust features, grouped by prediction, depth 2');

// 5. Contact sheets for the features of the top mode of every class (label grouping, depth 1 keeps them readable).
const main = results.get('robust-label-d1')!;
writeDiscovery(run, main);
lines.push('');
lines.push('### Figures');
lines.push('');
const topModes = (r: DiscoveryResult) =>
  r.groups
    .map((g) => ({ g, m: topMode(g) }))
    .filter((x): x is { g: GroupResult; m: FailureMode } => x.m !== undefined)
    .sort((a, b) => b.m.train.importance - a.m.train.importance);
const attackText = (o: { steps: number; alpha: number; budget?: number }) =>
  `${o.steps} steps of alpha ${+o.alpha.toFixed(3)}` +
  (o.budget !== undefined ? ` within L2 ${+o.budget.toFixed(3)}` : '');

/** One contact sheet per class: the first rule feature of its top mode, attacked with the model's defaults. */
async function figureList(
  figureRun: Run,
  r: DiscoveryResult,
  prefix: string,
  outRoot: string,
): Promise<void> {
  for (const { g, m } of topModes(r)) {
    const feature = m.conditions[0].feature;
    const [record] = await visualize(figureRun, {
      group: g.classIndex,
      features: [feature],
      groupBy: 'label',
      k: 5,
      steps,
      outRoot,
    });
    // Contact sheets go into the docs as JPEG: a tenth of the PNG's size, and the doc is for reading.
    const file = `${prefix}${g.className}-feature-${feature}.jpg`;
    await sharp(join(outRoot, record.group.key, `feature-${feature}`, record.sheet))
      .jpeg({ quality: 80 })
      .toFile(join(figures, file));
    const before = mean(record.images.map((i) => i.attack.before));
    const after = mean(record.images.map((i) => i.attack.after));
    lines.push(
      `- ${m.rule} — ER ${pct(m.train.errorRate)} fit / ${pct(m.heldOut?.errorRate)} held-out: ` +
        `![${g.className} feature ${feature}](evaluation-imagenette/${file}) ` +
        `(feature value ${before.toFixed(2)} -> ${after.toFixed(2)}, ${attackText(record.options)})`,
    );
  }
}
lines.push('Robust ResNet-18, top mode of each class (grouped by label, depth 1):');
lines.push('');
await figureList(run, main, '', join(run.dir, 'visuals'));

// The distilled MobileNetV2's own top modes, visualised through that model: a view of the run whose robust
// model, feature set and preprocessing are the distilled one's.
const distilledModelInfo = await loadModel(distilledModel, { role: 'robust' });
await closeModel(distilledModelInfo);
const distilledRun: Run = {
  ...run,
  manifest: {
    ...run.manifest,
    models: { ...run.manifest.models, robust: distilledModelInfo.record },
    features: { ...run.manifest.features, robust: run.manifest.features.distilled! },
    preprocessing: {
      ...run.manifest.preprocessing,
      robust: { ...distilledModelInfo.spec.preprocess, mode: 'resize', resize: undefined },
    },
    featureMap: undefined,
  },
  openFeatures: (name = 'robust') => run.openFeatures(name === 'robust' ? 'distilled' : name),
};
lines.push('');
lines.push('Robust MobileNetV2 (distilled), top mode of each class (grouped by label, depth 1):');
lines.push('');
await figureList(
  distilledRun,
  results.get('distilled-label-d1')!,
  'distilled-',
  join(runDir, 'visuals-distilled'),
);
const modes = topModes(main);

// Robust vs non-robust attacks on the same images (the top mode of the most important class), at the method's
// strength (alpha 10, 100 steps: L2 60-90 at 128 px) and within a small L2 budget, where a non-robust feature can
// be driven up without a visible change and a robust one cannot.
if (modes.length > 0) {
  const { g, m } = modes[0];
  const feature = m.conditions[0].feature;
  const standardRun: Run = {
    ...run,
    manifest: {
      ...run.manifest,
      models: {
        ...run.manifest.models,
        robust: { ...run.manifest.models.robust!, path: standardModel, spec: undefined },
      },
    },
  };
  const SMALL = { alpha: 1, steps: 20, budget: 10 };
  const attacks: {
    network: string;
    run: Run;
    name: string;
    alpha: number;
    steps: number;
    budget?: number;
  }[] = [
    { network: 'robust', run, name: 'small', ...SMALL },
    {
      network: 'non-robust',
      run: standardRun,
      name: 'standard',
      alpha: ATTACK_DEFAULTS.alpha,
      steps: ATTACK_DEFAULTS.steps,
    },
    { network: 'non-robust', run: standardRun, name: 'standard-small', ...SMALL },
  ];
  lines.push('');
  lines.push(
    `Robust vs non-robust feature attacks on the same five photos (top mode of ${g.className}, feature ${feature} ` +
      `of each network; value before -> after, mean over the photos):`,
  );
  lines.push('');
  lines.push(`- robust, with its spec's defaults: the first figure above`);
  for (const a of attacks) {
    const outRoot = join(runDir, `visuals-${a.name}`);
    const [rec] = await visualize(a.run, {
      group: g.classIndex,
      features: [feature],
      groupBy: 'label',
      k: 5,
      steps: a.steps,
      alpha: a.alpha,
      budget: a.budget,
      outRoot,
    });
    const file = `${a.name}-${g.className}-feature-${feature}.jpg`;
    await sharp(join(outRoot, rec.group.key, `feature-${feature}`, rec.sheet))
      .jpeg({ quality: 80 })
      .toFile(join(figures, file));
    const before = mean(rec.images.map((i) => i.attack.before));
    const after = mean(rec.images.map((i) => i.attack.after));
    const l2 = mean(rec.images.map((i) => i.attack.distance));
    const how =
      `${a.steps} steps of alpha ${a.alpha}` + (a.budget !== undefined ? ` within L2 ${a.budget}` : '');
    lines.push(
      `- ${a.network}, ${how}: ${before.toFixed(2)} -> ${after.toFixed(2)} (x${(after / before).toFixed(1)}, ` +
        `mean L2 ${l2.toFixed(1)}) ![${a.network} attacks, ${how}](evaluation-imagenette/${file})`,
    );
  }
}

const resultsFile = join(figures, 'results.md');
// results.md sits next to the figures, so its links drop the folder the doc's links go through.
writeFileSync(resultsFile, lines.join('\n').replaceAll('](evaluation-imagenette/', '](') + '\n');
const doc = join(docsDir, 'evaluation-imagenette.md');
if (existsSync(doc)) {
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) {
    writeFileSync(doc, text.slice(0, a + start.length) + '\n' + lines.join('\n') + '\n' + text.slice(b));
  }
}
console.log(lines.join('\n'));
console.log(`\nwrote ${resultsFile}`);
