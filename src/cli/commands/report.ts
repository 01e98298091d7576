import type { Command } from 'commander';
import { REPORT_DEFAULTS, writeReport } from '../../report/report.js';
import { integer } from '../flags.js';
import { terminalProgress } from '../../shared/progress.js';

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'Write a self-contained static HTML report (overview, classes, modes, features) with its images',
    )
    .argument('<run>', 'run directory (after `faultline discover`)')
    .requiredOption('--out <dir>', 'folder to write the report into (index.html is the entry page)')
    .option(
      '--images <n>',
      'failure thumbnails per mode (successes: half as many)',
      integer('--images', 0, 10_000),
      REPORT_DEFAULTS.failureImages,
    )
    .action(async (runDir: string, flags: { out: string; images: number }) => {
      const summary = await writeReport({
        runDir,
        outDir: flags.out,
        failureImages: flags.images,
        successImages: Math.ceil(flags.images / 2),
        progress: terminalProgress('report', 'class'),
      });
      process.stdout.write(
        `report: ${summary.index} (${summary.classes} classes, ${summary.modes} modes, ${summary.features} features, ` +
          `${summary.images} images${summary.skippedImages ? `, ${summary.skippedImages} unreadable` : ''})\n`,
      );
    });
}
