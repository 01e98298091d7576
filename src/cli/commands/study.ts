/** `faultline study create | import | export | results | links | name | gold` — thin adapters over src/study. */
import type { Command } from 'commander';
import { featureLabel } from '../../discover/rules.js';
import {
  createStudy,
  exportStudyCsv,
  importStudyCsv,
  LABELS,
  Study,
  type IssuedToken,
  type Label,
  type PairResult,
  type StudyResults,
  CREATE_STUDY_DEFAULTS as D,
} from '../../study/index.js';
import { invalidOption } from '../../shared/errors.js';
import { integer, oneOf, unitFraction } from '../flags.js';

const DEFAULT_BASE_URL = 'http://127.0.0.1:4173';

/** The web front end's routes: /study/<token> for annotators, /admin#<token> for the owner (fragment: not logged). */
export function studyLinks(baseUrl: string, tokens: readonly IssuedToken[]): string[] {
  const base = baseUrl.replace(/\/+$/, '');
  return tokens.map((t) => (t.isAdmin ? `${base}/admin#${t.token}` : `${base}/study/${t.token}`));
}

function withStudy<T>(runDir: string, fn: (study: Study) => T): T {
  const study = Study.open(runDir);
  try {
    return fn(study);
  } finally {
    study.close();
  }
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatResults(results: StudyResults, listPairs: number): string {
  const t = results.totals;
  const lines = [
    `study (${results.study.featureSelection}, ${results.study.workersPerTask} workers per pair): ${t.pairs} pairs, ` +
      `${t.answeredPairs} answered, ${t.completePairs} complete`,
    `answers: ${t.answers} from ${t.annotators} annotators (${t.flaggedAnnotators} flagged by gold tasks, ` +
      `${t.excludedAnswers} of their answers excluded)`,
    `main object ${percent(t.shares.main_object)}, separate object ${percent(t.shares.separate_object)}, ` +
      `background ${percent(t.shares.background)}`,
    `unanimous pairs: ${t.unanimousPairs} of ${t.answeredPairs} (${percent(t.unanimousShare)})`,
    `spurious pairs (separate + background > half of the answers): ${t.spuriousPairs}; core: ${t.corePairs}`,
    `confidence 1..5: ${t.confidence.join(' / ')}`,
    `Fleiss' kappa: ${t.fleissKappa === null ? 'n/a' : t.fleissKappa.toFixed(3)}`,
  ];
  const spurious = results.pairs
    .filter((p) => p.verdict === 'spurious')
    .sort((a, b) => nonMain(b) - nonMain(a) || a.taskId - b.taskId);
  if (listPairs > 0 && spurious.length > 0) {
    lines.push(`spurious pairs (main / separate / background; proposed names):`);
    for (const p of spurious.slice(0, listPairs)) lines.push(`  ${describePair(p)}`);
    if (spurious.length > listPairs) lines.push(`  ... ${spurious.length - listPairs} more (--json for all)`);
  }
  return lines.join('\n') + '\n';
}

function nonMain(p: PairResult): number {
  return p.counts.separate_object + p.counts.background;
}

function describePair(p: PairResult): string {
  const cls = `class ${p.classIndex}${p.className ? ` ${p.className}` : ''}`;
  const proposals = p.proposedNames.map((n) => `${n.name} (${n.answers})`).join(', ') || '-';
  return (
    `${cls}, ${featureLabel(p.featureIndex, p.acceptedName)}: ` +
    `${p.counts.main_object}/${p.counts.separate_object}/${p.counts.background}; ${proposals}`
  );
}

export function register(program: Command): void {
  const study = program.command('study').description('The naming study: people say what features mean');

  study
    .command('create')
    .description('Create the study of a run: (class, feature) tasks, annotator links and an admin link')
    .argument('<run>', 'run directory (after `faultline discover`)')
    .requiredOption(
      '--features <kind>',
      'top-modes (features of the failure modes) or top-per-class',
      oneOf('--features', ['top-modes', 'top-per-class'] as const, '"top-modes" or "top-per-class"'),
    )
    .option(
      '--workers-per-task <n>',
      'answers wanted per pair',
      integer('--workers-per-task', 1),
      D.workersPerTask,
    )
    .option(
      '--features-per-class <n>',
      'pairs per class at most',
      integer('--features-per-class', 1),
      D.featuresPerClass,
    )
    .option(
      '--annotators <n>',
      'annotator links to create (default: workers per task)',
      integer('--annotators', 0),
    )
    .option('--gold-from <csv>', 'earlier answers (mturk CSV layout): unanimous pairs become gold tasks')
    .option(
      '--gold-count <n>',
      'gold tasks to take from --gold-from',
      integer('--gold-count', 0),
      D.goldCount,
    )
    .option(
      '--gold-fraction <f>',
      'share of each annotator’s tasks that are gold',
      unitFraction('--gold-fraction'),
      D.goldFraction,
    )
    .option(
      '--gold-threshold <f>',
      'minimum gold accuracy',
      unitFraction('--gold-threshold'),
      D.goldThreshold,
    )
    .option('--base-url <url>', 'where `faultline serve` is reachable', DEFAULT_BASE_URL)
    .action(
      (
        runDir: string,
        flags: {
          features: 'top-modes' | 'top-per-class';
          workersPerTask: number;
          featuresPerClass: number;
          annotators?: number;
          goldFrom?: string;
          goldCount: number;
          goldFraction: number;
          goldThreshold: number;
          baseUrl: string;
        },
      ) => {
        const { baseUrl, ...options } = flags;
        const created = createStudy(runDir, options);
        const out = process.stdout;
        out.write(
          `study created: ${created.tasks} pairs, ${created.goldTasks} gold tasks, ` +
            `${created.study.workersPerTask} workers per pair\n`,
        );
        out.write(
          'annotator links (one per person; shown only now — `faultline study links --add` makes more):\n',
        );
        for (const link of studyLinks(baseUrl, created.annotatorTokens)) out.write(`  ${link}\n`);
        out.write(`admin link (keep it private):\n  ${studyLinks(baseUrl, [created.adminToken])[0]}\n`);
      },
    );

  study
    .command('links')
    .description('Create more annotator links (tokens are only shown when created)')
    .argument('<run>', 'run directory')
    .requiredOption('--add <n>', 'how many new annotator links', integer('--add', 1))
    .option('--admin', 'create an admin link instead')
    .option('--base-url <url>', 'where `faultline serve` is reachable', DEFAULT_BASE_URL)
    .action((runDir: string, flags: { add: number; admin?: boolean; baseUrl: string }) => {
      const tokens = withStudy(runDir, (s) => s.addAnnotators(flags.add, { admin: flags.admin ?? false }));
      for (const link of studyLinks(flags.baseUrl, tokens)) process.stdout.write(`${link}\n`);
    });

  study
    .command('import')
    .description(
      'Import crowd answers in the Salient ImageNet mturk CSV layout (creates the study if needed)',
    )
    .argument('<run>', 'run directory (created when absent)')
    .argument('<csv>', 'CSV with WorkerId, Input.wordnet_id, Input.class_index, Input.feature_index, ...')
    .option('--feature-set <name>', 'feature set the pairs refer to (default: the study’s, or robust)')
    .option('--class-names <file>', 'classes.json or imagenet_class_index.json for class names')
    .action((runDir: string, csv: string, flags: { featureSet?: string; classNames?: string }) => {
      const s = importStudyCsv(runDir, csv, flags);
      process.stdout.write(
        `${s.rows} rows: ${s.answersAdded} answers added, ${s.duplicates} already stored, ` +
          `${s.conflicts.length} conflicting; ${s.tasksAdded} new pairs, ${s.annotatorsAdded} new annotators` +
          `${s.createdStudy ? ' (new import-only study)' : ''}\n`,
      );
      for (const c of s.conflicts.slice(0, 10)) {
        process.stderr.write(
          `warning: ${csv}:${c.line}: worker ${c.workerId} already answered class ${c.classIndex} feature ` +
            `${c.featureIndex} differently; the stored answer is kept\n`,
        );
      }
      if (s.conflicts.length > 10)
        process.stderr.write(`warning: ... ${s.conflicts.length - 10} more conflicts\n`);
    });

  study
    .command('export')
    .description('Export every answer in the Salient ImageNet mturk CSV layout')
    .argument('<run>', 'run directory')
    .requiredOption('--out <file>', 'CSV file to write')
    .action((runDir: string, flags: { out: string }) => {
      const n = exportStudyCsv(runDir, flags.out);
      process.stdout.write(`${n} answers written to ${flags.out}\n`);
    });

  study
    .command('results')
    .description('Aggregate the answers: shares, unanimity, spurious pairs, Fleiss’ kappa, proposed names')
    .argument('<run>', 'run directory')
    .option('--json', 'print the full results as JSON')
    .option('--pairs <n>', 'spurious pairs to list', integer('--pairs', 0), 20)
    .action((runDir: string, flags: { json?: boolean; pairs: number }) => {
      const results = withStudy(runDir, (s) => s.results());
      process.stdout.write(
        flags.json ? `${JSON.stringify(results, null, 2)}\n` : formatResults(results, flags.pairs),
      );
    });

  study
    .command('name')
    .description('Accept a name for a feature; it then appears in every rule ("feature 1378 \'jug handle\'")')
    .argument('<run>', 'run directory')
    .argument('<feature>', 'feature index', integer('<feature>', 0))
    .argument('[name]', 'the name (omit with --remove)')
    .option('--feature-set <name>', 'feature set (default: the study’s)')
    .option('--remove', 'remove the accepted name')
    .action(
      (
        runDir: string,
        feature: number,
        name: string | undefined,
        flags: { featureSet?: string; remove?: boolean },
      ) => {
        withStudy(runDir, (s) => {
          const set = flags.featureSet ?? s.info.featureSet;
          if (flags.remove) {
            const removed = s.removeName(set, feature);
            process.stdout.write(
              removed ? `removed the name of feature ${feature}\n` : `feature ${feature} had no name\n`,
            );
          } else {
            const stored = s.acceptName(set, feature, name ?? '');
            process.stdout.write(`${featureLabel(feature, stored)}\n`);
          }
        });
      },
    );

  study
    .command('gold')
    .description('Mark a task as a gold task with its known answer (or "none" to unmark)')
    .argument('<run>', 'run directory')
    .argument('<task>', 'task id (see `study results --json`)', integer('<task>', 1))
    .argument('<answer>', `${LABELS.join(' | ')} | none`)
    .action((runDir: string, taskId: number, answer: string) => {
      if (answer !== 'none' && !(LABELS as readonly string[]).includes(answer)) {
        throw invalidOption('<answer>', `one of ${LABELS.join(', ')}, none`, answer);
      }
      const task = withStudy(runDir, (s) => s.setGold(taskId, answer === 'none' ? null : (answer as Label)));
      process.stdout.write(
        `task ${task.taskId} (class ${task.classIndex}, feature ${task.featureIndex}): ` +
          `${task.goldAnswer ? `gold, answer ${task.goldAnswer}` : 'ordinary'}\n`,
      );
    });
}
