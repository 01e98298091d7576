/**
 * `npm run bench:planted`: does discovery find the failure modes we planted in the demo data?
 *
 * For every planted mode and every feature set (robust = the adversarially trained demo model; inspected = the
 * inspected model's own penultimate features; random = seeded Gaussian noise), discovery runs grouped by true
 * label, fitted on the train split and scored on val, and each planted slice is matched to the discovered modes
 * of its group (src/demo/slices.ts; definitions in docs/demo.md). Prints a table per feature set and depth and
 * the recovery rates; writes the numbers to .cache/demo/bench-planted.json.
 *
 *   npm run bench:planted [-- --depth 1,2] [--class-weight balanced,none]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { discover } from '../src/discover/discover.js';
import { writeJson } from '../src/run/tables.js';
import { terminalProgress } from '../src/shared/progress.js';
import { PLANTED_MODES } from '../src/demo/planted.js';
import {
  addRandomFeatures,
  DEMO_CACHE,
  ensureEvalData,
  extractDemoRun,
  loadRun,
  loadTruth,
} from '../src/demo/pipeline.js';
import { matchPlanted, RECOVERY, type ModeMatch } from '../src/demo/slices.js';

const FEATURE_SETS = ['robust', 'inspected', 'random'] as const;

function pct(v: number): string {
  return `${(100 * v).toFixed(0)}%`.padStart(4);
}

function table(matches: ModeMatch[]): string {
  const head = [
    'planted mode',
    'kind',
    'slice n',
    'slice err',
    'rest err',
    'best mode',
    'rank',
    'prec',
    'recall',
    'recovered',
  ];
  const rows = matches.map((m) => [
    m.planted,
    m.kind,
    String(m.sliceSize),
    pct(m.sliceErrorRate),
    pct(m.restErrorRate),
    m.best ? m.best.id : `- (${m.groupNote ?? 'no mode in top ' + RECOVERY.topK})`,
    m.best ? String(m.best.rank) : '-',
    m.best ? pct(m.best.precision) : '-',
    m.best ? pct(m.best.recall) : '-',
    m.recovered ? 'yes' : 'no',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const depthArg = process.argv.indexOf('--depth');
  const depths = depthArg > 0 ? process.argv[depthArg + 1].split(',').map(Number) : [1, 2];
  const weightArg = process.argv.indexOf('--class-weight');
  const classWeights = (weightArg > 0 ? process.argv[weightArg + 1].split(',') : ['balanced', 'none']).map(
    (w) => {
      if (w !== 'balanced' && w !== 'none')
        throw new Error(`--class-weight: expected balanced or none, got ${w}`);
      return w;
    },
  );
  const packageRoot = resolve('.');
  const cache = resolve(DEMO_CACHE);
  mkdirSync(cache, { recursive: true });
  const t0 = Date.now();
  const dataRoot = await ensureEvalData(cache, terminalProgress('scenes'));
  const runDir = join(cache, 'run');
  const summary = await extractDemoRun(dataRoot, runDir, packageRoot, terminalProgress('extract'));
  addRandomFeatures(runDir);
  const run = loadRun(runDir);
  const truth = loadTruth(run, dataRoot);
  const classIndex = (name: string): number => run.classes.findIndex((c) => c.name === name);
  console.log(
    `run ${runDir}: ${run.samples.length} images, inspected top-1 ${(100 * (summary.top1Accuracy ?? NaN)).toFixed(1)}%`,
  );
  const results: {
    featureSet: string;
    depth: number;
    classWeight: string;
    recovered: number;
    total: number;
    matches: ModeMatch[];
  }[] = [];
  for (const classWeight of classWeights) {
    for (const depth of depths) {
      for (const featureSet of FEATURE_SETS) {
        const result = await discover(run, {
          groupBy: 'label',
          classWeight,
          depth,
          minLeaf: depth === 1 ? 1 : 5,
          featureSet,
          validation: { kind: 'split', heldOutSplit: 'val' },
        });
        const matches = matchPlanted(result, truth, PLANTED_MODES, classIndex);
        const recovered = matches.filter((m) => m.recovered).length;
        console.log(`\n== features: ${featureSet}, tree depth ${depth}, class weight ${classWeight} ==`);
        console.log(table(matches));
        console.log(
          `recovered ${recovered}/${matches.length} planted modes (${pct(recovered / matches.length).trim()}) ` +
            `[precision >= ${RECOVERY.precision}, recall >= ${RECOVERY.recall}, rank <= ${RECOVERY.topK}]`,
        );
        results.push({ featureSet, depth, classWeight, recovered, total: matches.length, matches });
      }
    }
  }
  console.log('\nsummary (recovered / planted):');
  for (const r of results)
    console.log(
      `  class weight ${r.classWeight.padEnd(8)}  depth ${r.depth}  ${r.featureSet.padEnd(9)}  ${r.recovered}/${r.total}`,
    );
  const out = join(cache, 'bench-planted.json');
  writeJson(out, { createdAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000, results });
  console.log(`\nwritten ${out} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
