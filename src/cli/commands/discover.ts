import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import {
  DEFAULT_DISCOVER_OPTIONS,
  discover,
  groupingFor,
  writeDiscovery,
  type DiscoverOptions,
} from '../../discover/discover.js';
import type { GroupByRequest } from '../../discover/grouping.js';
import type { Criterion, DiscoveryResult, FeatureRanking, GroupResult } from '../../discover/schema.js';
import type { Validation } from '../../discover/validation.js';
import { loadRun } from '../../run/load.js';
import { invalidOption } from '../../shared/errors.js';
import { terminalProgress } from '../../shared/progress.js';
import { commaList, flagFor, integer, oneOf, openFraction } from '../flags.js';
import { getFeatureNames } from '../../study/feature-names.js';

const RANKINGS: Record<string, FeatureRanking> = { mi: 'mutual-information', mean: 'mean-activation' };
const RANKING_FLAG = Object.fromEntries(Object.entries(RANKINGS).map(([flag, r]) => [r, flag]));
const D = DEFAULT_DISCOVER_OPTIONS;
const defaultNoise = D.miNoise.kind;
const defaultSeed = D.miNoise.kind === 'none' ? 0 : D.miNoise.seed;

interface DiscoverFlags {
  groupBy: GroupByRequest;
  depth: number;
  topFeatures: number;
  minLeaf: number;
  minSplit: number;
  criterion: Criterion;
  classWeight: DiscoverOptions['classWeight'];
  ranking: keyof typeof RANKINGS;
  classes?: string[];
  features: string;
  predictions: string;
  compare?: string[];
  heldOut?: string;
  heldOutFraction?: number;
  folds?: number;
  seed: number;
  miNoise: 'jitter' | 'sklearn' | 'none';
  workers?: number;
  show: number;
  modes: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('discover')
    .description(
      'Find, rank and validate the failure modes of every class of a run; writes <run>/discovery.json',
    )
    .argument('<run>', 'run directory written by faultline extract')
    .option(
      '--group-by <what>',
      'auto (by prediction, or by label when the labels cover at most half of the model classes) | prediction | label',
      oneOf('--group-by', ['auto', 'prediction', 'label'] as const),
      D.groupBy,
    )
    .option('--depth <n>', 'failure tree depth (1-3 are useful)', integer('--depth', 1), D.depth)
    .option(
      '--top-features <k>',
      'features kept per class by the ranking',
      integer('--top-features', 1),
      D.topFeatures,
    )
    .option('--min-leaf <n>', 'minimum samples per leaf', integer('--min-leaf', 1), D.minLeaf)
    .option('--min-split <n>', 'minimum samples to split a node', integer('--min-split', 2), D.minSplit)
    .option(
      '--criterion <c>',
      'entropy | gini',
      oneOf('--criterion', ['entropy', 'gini'] as const),
      D.criterion,
    )
    .option(
      '--class-weight <w>',
      'balanced ({0: 1, 1: S/F}) | none',
      oneOf('--class-weight', ['balanced', 'none'] as const),
      D.classWeight,
    )
    .option(
      '--ranking <r>',
      'mi (mutual information) | mean (mean activation)',
      oneOf('--ranking', ['mi', 'mean'] as const),
      RANKING_FLAG[D.ranking],
    )
    .option('--classes <list>', 'only these classes: comma-separated indices, names or wnids', commaList)
    .option('--features <set>', 'feature set of the run', D.featureSet)
    .option('--predictions <set>', 'prediction set whose failures are analysed', D.predictionSet)
    .option(
      '--compare <sets>',
      'other prediction sets to score every mode under (comma-separated)',
      commaList,
    )
    .option('--held-out <split>', "hold out the samples of this split (samples.csv 'split', e.g. val)")
    .option(
      '--held-out-fraction <f>',
      'hold out a seeded, stratified random fraction (e.g. 0.3)',
      openFraction('--held-out-fraction'),
    )
    .option('--folds <k>', 'k-fold cross-validation of each class tree', integer('--folds', 2))
    .option('--seed <n>', 'seed of the random split / folds / MI noise', integer('--seed', 0), defaultSeed)
    .option(
      '--mi-noise <mode>',
      'MI tie-breaking noise, seeded with --seed: jitter (fast) | sklearn (numpy draws, = random_state) | none',
      oneOf('--mi-noise', ['jitter', 'sklearn', 'none'] as const),
      defaultNoise,
    )
    .option('--workers <n>', 'worker threads (default: CPU cores, at most 8)', integer('--workers', 0))
    .option('--show <n>', 'classes printed (by top-mode importance)', integer('--show', 0), 20)
    .option('--modes <n>', 'modes printed per class', integer('--modes', 1), 3)
    .option('--json', 'print discovery.json to stdout instead of the table')
    .action(async (dir: string, flags: DiscoverFlags) => {
      const run = loadRun(dir);
      const chosen = (['heldOut', 'heldOutFraction', 'folds'] as const).filter((k) => flags[k] !== undefined);
      if (chosen.length > 1)
        throw invalidOption(
          '--held-out / --held-out-fraction / --folds',
          'at most one',
          chosen.map(flagFor).join(' and '),
        );
      const { seed } = flags;
      let validation: Validation = { kind: 'none' };
      if (flags.heldOut !== undefined) validation = { kind: 'split', heldOutSplit: flags.heldOut };
      if (flags.heldOutFraction !== undefined)
        validation = { kind: 'random', fraction: flags.heldOutFraction, seed };
      if (flags.folds !== undefined) validation = { kind: 'kfold', folds: flags.folds, seed };
      const featureSet = flags.features;
      const names = getFeatureNames(run.dir)
        .list()
        .filter((r) => r.featureSet === featureSet);
      const options: Partial<DiscoverOptions> = {
        groupBy: flags.groupBy,
        depth: flags.depth,
        topFeatures: flags.topFeatures,
        minLeaf: flags.minLeaf,
        minSplit: flags.minSplit,
        criterion: flags.criterion,
        classWeight: flags.classWeight,
        ranking: RANKINGS[flags.ranking],
        classes: flags.classes,
        featureSet,
        predictionSet: flags.predictions,
        compare: flags.compare ?? [],
        validation,
        miNoise: flags.miNoise === 'none' ? { kind: 'none' } : { kind: flags.miNoise, seed },
        featureNames: names.length > 0 ? new Map(names.map((r) => [r.featureIndex, r.name])) : undefined,
        workers: flags.workers ?? Math.min(8, availableParallelism()),
        progress: flags.json ? undefined : terminalProgress('discover', 'classes'),
      };
      // Say before the run when the label space makes prediction grouping degenerate (and what is done about it).
      const grouping = groupingFor(run, options);
      if (grouping.note) process.stderr.write(`note: ${grouping.note}\n`);
      const result = await discover(run, options);
      const file = writeDiscovery(run, result);
      if (flags.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      process.stdout.write(formatDiscovery(result, flags.show, flags.modes) + `\nwrote ${file}\n`);
    });
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

/** The readable table: one block per class (by top-mode importance), its top modes with train / held-out numbers. */
export function formatDiscovery(result: DiscoveryResult, showClasses: number, modesPerClass: number): string {
  const s = result.summary;
  const byKey = new Map(result.groups.map((g) => [g.key, g]));
  const lines: string[] = [];
  const heldOut = result.options.validation.kind === 'split' || result.options.validation.kind === 'random';
  lines.push(
    `${s?.groups ?? result.groups.length} classes (grouped by ${result.options.groupBy}), ${s?.groupsWithTree ?? 0} with a tree, ` +
      `${s?.groupsSkipped ?? 0} skipped; ${s?.modes ?? 0} failure modes` +
      (s?.modesGeneralising !== undefined ? `, ${s.modesGeneralising} generalise to the held-out part` : '') +
      ` (${(result.seconds ?? 0).toFixed(1)} s)`,
  );
  if (result.grouping?.note) lines.push(`note: ${result.grouping.note}`);
  const header = ['#', 'ER', 'EC', 'IV', ...(heldOut ? ['held-out ER', 'gen'] : []), 'rule'];
  for (const key of (s?.byTopModeImportance ?? []).slice(0, showClasses)) {
    const g = byKey.get(key) as GroupResult;
    lines.push('');
    lines.push(
      `${g.className} [${g.key}]  N ${g.n}  F ${g.failures}  BER ${pct(g.baseErrorRate)}  ALER ${pct(g.aler)}  ` +
        `precision ${pct(g.precision)}  recall ${pct(g.recall)}`,
    );
    const rows = g.modes.slice(0, modesPerClass).map((m) => [
      String(m.rank),
      pct(m.train.errorRate),
      pct(m.train.errorCoverage),
      m.train.importance.toFixed(3),
      ...(heldOut
        ? [pct(m.heldOut?.errorRate), m.generalises === undefined ? '-' : m.generalises ? 'yes' : 'NO']
        : []),
      m.rule +
        (m.comparison
          ? '  ' +
            Object.entries(m.comparison)
              .map(([n, c]) => `[${n}: ER ${pct(c.errorRate)}]`)
              .join(' ')
          : ''),
    ]);
    lines.push(...table([header, ...rows]).map((l) => '  ' + l));
  }
  const skipped = result.groups.filter((g) => g.skippedReason);
  if (skipped.length > 0) {
    lines.push('');
    lines.push(
      `skipped ${skipped.length} classes, e.g. ${skipped
        .slice(0, 3)
        .map((g) => `${g.className}: ${g.skippedReason}`)
        .join('; ')}`,
    );
  }
  return lines.join('\n');
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (c === r.length - 1 ? 0 : r[c].length))));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
}
