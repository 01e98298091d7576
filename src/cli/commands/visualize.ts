import type { Command } from 'commander';
import { loadRun } from '../../run/load.js';
import { invalidOption } from '../../shared/errors.js';
import { terminalProgress, type ProgressSink } from '../../shared/progress.js';
import { visualize, VISUALIZE_DEFAULTS, type VisualizeProgress } from '../../explain/visualize.js';
import { ATTACK_DEFAULTS, ROBUST_ATTACK_DEFAULTS } from '../../explain/attack.js';
import { indexList, integer, oneOf, positiveNumber } from '../flags.js';

export function register(program: Command): void {
  program
    .command('visualize')
    .description(
      'Top images, heatmaps and feature attacks of robust features; writes <run>/visuals/<group>/feature-<j>/ ' +
        '(top-<i>.png, heatmap-<i>.png, attack-<i>.png, sheet.png, visual.json)',
    )
    .argument('<run>', 'run directory written by faultline extract')
    .option('--group <class>', 'class name, wnid, index or group key (pred-3, label-3)')
    .option('--feature <j>', 'feature index (comma-separated for several)', indexList('--feature'))
    .option('--mode <id>', 'a failure mode of discovery.json (e.g. pred-899/2): every feature on its path')
    .option(
      '--group-by <what>',
      'prediction | label (default: as in discovery.json, else prediction)',
      oneOf('--group-by', ['prediction', 'label'] as const),
    )
    .option('--k <n>', 'top images per feature', integer('--k', 1), VISUALIZE_DEFAULTS.k)
    .option(
      '--steps <T>',
      `attack steps (default: ${ROBUST_ATTACK_DEFAULTS.steps} when the robust model's spec states its eps, else ${ATTACK_DEFAULTS.steps})`,
      integer('--steps', 0),
    )
    .option(
      '--alpha <a>',
      `attack step size, L2 norm per step, pixels in [0,1] (default: budget / ${ROBUST_ATTACK_DEFAULTS.stepsToBudget}, else ${ATTACK_DEFAULTS.alpha})`,
      positiveNumber('--alpha'),
    )
    .option(
      '--budget <eps>',
      `enforced L2 bound on the attack perturbation (default: ${ROBUST_ATTACK_DEFAULTS.budgetPerEps} x the robust model's eps when its spec states it, else none)`,
      positiveNumber('--budget'),
    )
    .option('--out <dir>', 'output root (default <run>/visuals)')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)', integer('--threads', 1))
    .action(
      async (
        runDir: string,
        opts: {
          group?: string;
          feature?: number[];
          mode?: string;
          groupBy?: 'prediction' | 'label';
          k: number;
          steps?: number;
          alpha?: number;
          budget?: number;
          out?: string;
          threads?: number;
        },
      ) => {
        if (!opts.mode && opts.group === undefined)
          throw invalidOption('--group or --mode', 'one of them', 'neither');
        if (!opts.mode && !opts.feature) throw invalidOption('--feature', 'a feature index', 'nothing');
        const run = loadRun(runDir);
        let bar: ProgressSink | undefined;
        const onProgress = (e: VisualizeProgress) => {
          if (e.phase === 'prepare') process.stderr.write(`${e.message} ...\n`);
          else if (e.phase === 'attack') {
            bar ??= terminalProgress(`feature ${e.feature} attack`, 'step');
            bar.update(e.done, e.total);
          } else {
            bar?.stop();
            bar = undefined;
            process.stdout.write(`feature ${e.feature}: ${e.dir}\n`);
          }
        };
        const records = await visualize(run, {
          group: opts.group,
          features: opts.feature,
          mode: opts.mode,
          groupBy: opts.groupBy,
          k: opts.k,
          steps: opts.steps,
          alpha: opts.alpha,
          budget: opts.budget,
          outRoot: opts.out,
          threads: opts.threads,
          onProgress,
        });
        for (const r of records) {
          const values = r.images
            .map((i) => `${i.attack.before.toFixed(2)} -> ${i.attack.after.toFixed(2)}`)
            .join(', ');
          process.stdout.write(
            `  feature ${r.feature} in ${r.group.key} (${r.group.className}): ${values}\n`,
          );
        }
      },
    );
}
