import type { Command } from 'commander';
import { writeReport } from '../../report/report.js';

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'Write a self-contained static HTML report (overview, classes, modes, features) with its images',
    )
    .argument('<run>', 'run directory (after `faultline discover`)')
    .requiredOption('--out <dir>', 'folder to write the report into (index.html is the entry page)')
    .action(async (runDir: string, flags: { out: string }) => {
      const tty = process.stderr.isTTY;
      const summary = await writeReport({
        runDir,
        outDir: flags.out,
        progress: tty ? (done, total) => process.stderr.write(`\rclasses ${done}/${total}`) : undefined,
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(
        `report: ${summary.index} (${summary.classes} classes, ${summary.modes} modes, ${summary.features} features, ` +
          `${summary.images} images${summary.skippedImages ? `, ${summary.skippedImages} unreadable` : ''})\n`,
      );
    });
}
