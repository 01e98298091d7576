import type { Command } from 'commander';
import { ADD_FEATURES_DEFAULTS, addFeatureSet } from '../../extract/add-features.js';
import { terminalProgress } from '../../shared/progress.js';
import { nonNegativeInteger, oneOf, PREPROCESS_MODES } from '../flags.js';

interface FeaturesFlags {
  name: string;
  model?: string;
  modelSpec?: string;
  output?: string;
  preprocess?: 'crop' | 'resize';
  random?: number;
  seed: number;
  batchSize: number;
  force?: boolean;
}

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
    .option(
      '--preprocess <mode>',
      "'crop' or 'resize'",
      oneOf('--preprocess', PREPROCESS_MODES, "'crop' or 'resize'"),
    )
    .option(
      '--random <D>',
      'D seeded random features per sample instead of a model',
      nonNegativeInteger('--random'),
    )
    .option('--seed <n>', 'seed for --random', nonNegativeInteger('--seed'), ADD_FEATURES_DEFAULTS.seed)
    .option(
      '--batch-size <n>',
      'images per batch',
      nonNegativeInteger('--batch-size'),
      ADD_FEATURES_DEFAULTS.batchSize,
    )
    .option('--force', 'replace an existing feature set of the same name')
    .action(async (run: string, flags: FeaturesFlags) => {
      const set = await addFeatureSet(
        {
          run,
          name: flags.name,
          model: flags.model,
          modelSpec: flags.modelSpec,
          output: flags.output,
          preprocess: flags.preprocess,
          random: flags.random,
          seed: flags.seed,
          batchSize: flags.batchSize,
          force: flags.force === true,
        },
        terminalProgress('features'),
      );
      process.stdout.write(`added feature set "${flags.name}": ${set.rows} x ${set.cols} (${set.file})\n`);
    });
}
