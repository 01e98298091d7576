/**
 * `npm run demo`: the offline end-to-end demo. Generates (or reuses) 2,400 synthetic scenes with planted failure
 * modes, extracts a run with the committed demo models, discovers failure modes grouped by true label (fitted on
 * the train split, scored on val), prints the top modes in words next to the planted ground truth, renders a
 * contact sheet per top mode, writes a Markdown report, and starts the explorer on the run.
 *
 *   npm run demo [-- --no-serve] [-- --port 4173] [-- --top 6]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discover, writeDiscovery } from '../discover/discover.js';
import type { FailureMode, GroupResult } from '../discover/schema.js';
import { loadModel, type LoadedModel } from '../inference/model.js';
import { visualize } from '../explain/visualize.js';
import type { NpyMatrixReader } from '../run/npy.js';
import { visualsFolder } from '../run/format.js';
import type { Run } from '../run/load.js';
import { terminalProgress } from '../shared/progress.js';
import { renderContactSheet } from './contact-sheet.js';
import { PLANTED_MODES } from './planted.js';
import {
  addRandomFeatures,
  DEMO_CACHE,
  DEMO_MODELS,
  DEMO_TREE,
  ensureEvalData,
  extractDemoRun,
  loadRun,
  loadTruth,
} from './pipeline.js';
import { describeMembers, matchPlanted, scoreMode, sliceMembership, type SampleTruth } from './slices.js';

interface DemoArgs {
  serve: boolean;
  port: number;
  top: number;
}

function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { serve: true, port: 4173, top: 6 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-serve') args.serve = false;
    else if (argv[i] === '--port') args.port = Number(argv[++i]);
    else if (argv[i] === '--top') args.top = Number(argv[++i]);
  }
  return args;
}

const pct = (v: number): string => `${Math.round(100 * v)}%`;

/** The package root: two levels up from src/demo or dist/demo. */
function packageRoot(): string {
  return fileURLToPath(new URL('../..', import.meta.url));
}

/** The distinct features a mode's rule tests, in rule order, with the side of the split the mode is on. */
function modeFeatures(mode: FailureMode): { feature: number; op: string }[] {
  const out: { feature: number; op: string }[] = [];
  for (const c of mode.conditions) {
    if (!out.some((f) => f.feature === c.feature)) out.push({ feature: c.feature, op: c.op });
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = packageRoot();
  const cache = resolve(root, DEMO_CACHE);
  const t0 = Date.now();
  const step = (n: number, text: string): void => console.log(`[${n}/5] ${text}`);
  const seconds = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

  console.log('faultline demo: find the failure modes planted in a synthetic classifier\n');
  const dataRoot = await ensureEvalData(cache, terminalProgress('scenes'));
  step(
    1,
    `scenes: ${relative(root, dataRoot)} (2,400 balanced 64x64 images, train/val split) — ${seconds()}`,
  );

  const runDir = join(cache, 'run');
  const summary = await extractDemoRun(dataRoot, runDir, root, terminalProgress('extract'));
  addRandomFeatures(runDir);
  const acc = summary.top1Accuracy !== undefined ? pct(summary.top1Accuracy) : '?';
  step(
    2,
    `extract: run ${relative(root, runDir)}, inspected model top-1 ${acc} on balanced data — ${seconds()}`,
  );

  const run = loadRun(runDir);
  const result = await discover(run, {
    groupBy: 'label',
    ...DEMO_TREE,
    validation: { kind: 'split', heldOutSplit: 'val' },
    progress: terminalProgress('discover', 'group'),
  });
  writeDiscovery(run, result);
  step(
    3,
    `discover: robust features, grouped by true label, depth ${DEMO_TREE.depth}, fitted on train, scored on val — ${seconds()}`,
  );

  const truth = loadTruth(run, dataRoot);
  const classIndex = (name: string): number => run.classes.findIndex((c) => c.name === name);
  const matches = matchPlanted(result, truth, PLANTED_MODES, classIndex);
  // Across classes, importance (ER x EC) favours tiny groups of errors (one failure in an almost perfect class
  // scores 1.0), and raw failure counts favour big leaves of a class that fails everywhere. The demo lists modes
  // by the failures they hold beyond the class's base rate (f - n x BER), ignoring modes under 10 images.
  const excess = (group: GroupResult, mode: FailureMode): number =>
    mode.train.failures - mode.train.n * group.baseErrorRate;
  const ranked: { group: GroupResult; mode: FailureMode }[] = result.groups
    .flatMap((group) => group.modes.map((mode) => ({ group, mode })))
    .filter(({ mode }) => mode.members.length >= 10)
    .sort((a, b) => excess(b.group, b.mode) - excess(a.group, a.mode))
    .slice(0, args.top);

  step(
    4,
    `top ${ranked.length} failure modes (of ${result.groups.reduce((s, g) => s + g.modes.length, 0)}):`,
  );
  const robust = await loadModel(join(root, DEMO_MODELS.robust), { role: 'robust', threads: 2 });
  const sheetDir = join(runDir, 'demo-sheets');
  mkdirSync(sheetDir, { recursive: true });
  const report: string[] = ['# faultline demo report', '', `Run: \`${runDir}\``, ''];
  const features = run.openFeatures('robust');
  try {
    for (const [i, { group, mode }] of ranked.entries()) {
      const members = new Set(mode.members);
      const groupTruth = truth.filter((t) => t.label === group.classIndex);
      const words = describeMembers(members, groupTruth).slice(0, 2);
      const held = mode.heldOut
        ? `held-out error rate ${pct(mode.heldOut.errorRate)} (base ${pct(mode.heldOut.baseErrorRate)})`
        : 'no held-out part';
      const lines = [
        `${i + 1}. ${mode.rule}`,
        `   error rate ${pct(mode.train.errorRate)} (class ${pct(group.baseErrorRate)}), ` +
          `covers ${pct(mode.train.errorCoverage)} of the class's errors; ${held}`,
        `   its images are mostly: ${
          words.length
            ? words
                .map((w) => `${w.attribute}=${w.value} (${pct(w.share)} vs ${pct(w.base)} of the class)`)
                .join(', ')
            : 'no single attribute stands out'
        }`,
      ];
      const planted = bestPlanted(mode, truth);
      if (planted) {
        lines.push(
          `   planted mode: ${planted.description} — precision ${pct(planted.precision)}, recall ${pct(planted.recall)}`,
        );
      }
      const sheets: string[] = [];
      for (const { feature, op } of modeFeatures(mode)) {
        const sheet = await visualiseMode(
          run,
          mode,
          feature,
          group.classIndex,
          truth,
          features,
          robust,
          sheetDir,
        );
        sheets.push(`![feature ${feature}](${relative(runDir, sheet)})`);
        lines.push(
          `   feature ${feature} (${op === '>' ? 'high in the mode' : 'low in the mode'}): ${relative(root, sheet)}`,
        );
      }
      console.log(lines.join('\n'));
      report.push(...lines.map((l) => l.replace(/^ {3}/, '   - ')), '', ...sheets, '');
    }
  } finally {
    features.close();
  }
  const recovered = matches.filter((m) => m.recovered).length;
  const recap = `planted modes recovered in the top 3 of their class: ${recovered}/${matches.length} (${matches
    .map((m) => `${m.planted} ${m.recovered ? 'yes' : 'no'}`)
    .join(', ')}); full table: npm run bench:planted`;
  console.log(`\n${recap}`);
  report.push(recap, '');
  const reportFile = join(runDir, 'demo-report.md');
  writeFileSync(reportFile, report.join('\n'));

  if (!args.serve) {
    step(5, `report: ${relative(root, reportFile)} — done in ${seconds()}`);
    return;
  }
  const { defaultWebRoot, startServer } = await import('../server/serve.js');
  const server = await startServer({ runDir, port: args.port });
  step(5, `explorer: ${server.url}  (report: ${relative(root, reportFile)}; ${seconds()}; Ctrl-C to stop)`);
  if (!defaultWebRoot())
    console.log('      (the web UI is not built, only the API answers: run `npm run build:web`)');
  process.on('SIGINT', () => {
    void server.close().then(() => process.exit(0));
  });
}

/**
 * The feature's contact sheet through src/explain (top images, heatmaps, feature attacks; also what the explorer
 * shows). Falls back to the demo's own top-images-and-heatmaps sheet when visualisation fails, so the demo still
 * finishes (the error is printed).
 */
async function visualiseMode(
  run: Run,
  mode: FailureMode,
  feature: number,
  classIndex: number,
  truth: SampleTruth[],
  features: NpyMatrixReader,
  robust: LoadedModel,
  sheetDir: string,
): Promise<string> {
  try {
    const [record] = await visualize(run, {
      mode: mode.id,
      features: [feature],
      groupBy: 'label',
      k: 6,
      // The explain defaults (alpha 10, 100 steps) are sized for 224 x 224 ImageNet inputs; at 64 x 64 they turn
      // the image to noise. 20 steps of 1 keep the change within L2 20 (RMS ~0.18 per value).
      alpha: 1,
      steps: 20,
      threads: 2,
      gradientCacheDir: join(run.dir, 'gradient-cache'),
    });
    return join(visualsFolder(run.dir, record.group.key, feature), record.sheet);
  } catch (e) {
    console.error(`   (visualize failed: ${(e as Error).message}; writing the demo's own sheet instead)`);
  }
  const rows = truth.flatMap((t, r) => (t.label === classIndex ? [r] : []));
  const values = features.readRowSet(rows);
  const top = rows
    .map((r, k) => ({ r, v: values[k * features.cols + feature] }))
    .sort((a, b) => b.v - a.v)
    .slice(0, 6);
  const sheet = join(sheetDir, `${run.classes[classIndex].name}-feature-${feature}.png`);
  writeFileSync(
    sheet,
    await renderContactSheet({ model: robust, images: top.map((t) => run.samples[t.r].path), feature }),
  );
  return sheet;
}

/** The planted mode whose slice best matches a discovered mode's members (highest F1), if it is in that class. */
function bestPlanted(
  mode: FailureMode,
  truth: SampleTruth[],
): { description: string; precision: number; recall: number } | undefined {
  let best: { description: string; precision: number; recall: number; f1: number } | undefined;
  for (const p of PLANTED_MODES) {
    const inSlice = sliceMembership(truth, p);
    const slice = new Set(truth.filter((_, i) => inSlice[i]).map((t) => t.id));
    const failures = new Set(truth.filter((t, i) => inSlice[i] && t.failed).map((t) => t.id));
    const s = scoreMode(mode.members, slice, failures);
    if (s.f1 > 0 && (!best || s.f1 > best.f1)) best = { description: p.description, ...s };
  }
  return best;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
