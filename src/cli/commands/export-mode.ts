import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { memberCsv, modeMembers, readDiscovery } from '../../discover/export-mode.js';
import { loadRun } from '../../run/load.js';

export function register(program: Command): void {
  program
    .command('export-mode')
    .description("Write a failure mode's member list (CSV) for relabelling or data collection")
    .argument('<run>', 'run directory with a discovery.json')
    .argument('<mode-id>', 'mode id as printed by discover, e.g. pred-899/1')
    .option('--out <file.csv>', 'write here instead of stdout')
    .action((dir: string, modeId: string, flags: { out?: string }) => {
      const run = loadRun(dir);
      const table = modeMembers(run, readDiscovery(run), modeId);
      const csv = memberCsv(table);
      if (flags.out) {
        writeFileSync(flags.out, csv);
        process.stderr.write(
          `${table.rows.length - 1} members of "${table.mode.rule}" written to ${flags.out}\n`,
        );
      } else process.stdout.write(csv);
    });
}
