import type { Command } from 'commander';
import { addFeatureSet } from '../../extract/add-features.js';
import { terminalProgress } from '../../shared/progress.js';
import { invalidOption } from '../../shared/errors.js';

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw invalidOption(name, 'a non-negative integer', value);
  return n;
};

export function register(program: Command): void {
  program
    .command('features <run>')
    .description(
      "Add a feature set to a run: another model's features (a baseline) or seeded random features",
    )
    .requiredOption('--name <name>', 'name of the feature set (discover --features <name>)')
    .option('--model <onnx>', 'model to take features from')
    .option('--model-spec <json>', 'its spec (default: <model>.json when present)')
    .option('--output <name>', 'output/node to read (4-D maps are average-pooled)')
    .option('--preprocess <mode>', "'crop' or 'resize'")
    .option('--random <D>', 'D seeded random features per sample instead of a model', int('--random'))
    .option('--seed <n>', 'seed for --random', int('--seed'), 0)
    .option('--batch-size <n>', 'images per batch', int('--batch-size'), 8)
    .option('--force', 'replace an existing feature set of the same name')
    .action(async (run: string, flags: Record<string, unknown>) => {
      if (flags.preprocess !== undefined && flags.preprocess !== 'crop' && flags.preprocess !== 'resize') {
        throw invalidOption('--preprocess', "'crop' or 'resize'", flags.preprocess);
      }
      const set = await addFeatureSet(
        {
          run,
          name: flags.name as string,
          model: flags.model as string | undefined,
          modelSpec: flags.modelSpec as string | undefined,
          output: flags.output as string | undefined,
          preprocess: flags.preprocess as 'crop' | 'resize' | undefined,
          random: flags.random as number | undefined,
          seed: flags.seed as number,
          batchSize: flags.batchSize as number,
          force: flags.force === true,
        },
        terminalProgress('features'),
      );
      process.stdout.write(`added feature set "${flags.name}": ${set.rows} x ${set.cols} (${set.file})\n`);
    });
}
