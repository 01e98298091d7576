import type { Command } from 'commander';
import { writeReport } from '../../report/report.js';
import { invalidOption } from '../../shared/errors.js';
import { terminalProgress } from '../../shared/progress.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 10_000)
    throw invalidOption('--images', 'an integer in [0, 10000]', value);
  return n;
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'Write a self-contained static HTML report (overview, classes, modes, features) with its images',
    )
    .argument('<run>', 'run directory (after `faultline discover`)')
    .requiredOption('--out <dir>', 'folder to write the report into (index.html is the entry page)')
    .option('--images <n>', 'failure thumbnails per mode (successes: half as many)', count, 12)
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
