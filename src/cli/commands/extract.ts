import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_ROBUST_MODEL } from '../../inference/default-models.js';
import { EXTRACT_DEFAULTS, extractRun, type ExtractOptions } from '../../extract/extract.js';
import { terminalProgress } from '../../shared/progress.js';
import { oneOf, positiveInteger, PREPROCESS_MODES } from '../flags.js';

const KINDS = ['folder', 'imagenet', 'manifest', 'barlow-metadata'] as const;

interface ExtractFlags {
  data: string;
  out: string;
  model?: string;
  modelSpec?: string;
  preprocess?: 'crop' | 'resize';
  predictions?: string;
  robust?: string;
  robustSpec?: string;
  robustPreprocess?: 'crop' | 'resize';
  robustOutput?: string;
  inspectedFeatures?: string;
  classMap?: string;
  root?: string;
  split?: string;
  kind?: (typeof KINDS)[number];
  limit?: number;
  batchSize: number;
  chunkSize: number;
  threads?: number;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('extract')
    .description('Run the inspected and robust models over a dataset and write a run directory')
    .requiredOption(
      '--data <path>',
      'image folder, ImageNet-layout folder, manifest (.csv/.jsonl) or metadata.csv',
    )
    .requiredOption('--out <dir>', 'run directory to write (rerun the same command to resume)')
    .option('--model <onnx>', 'the inspected classifier')
    .option('--model-spec <json>', 'spec of the inspected model (default: <model>.json when present)')
    .option(
      '--preprocess <mode>',
      "inspected model preprocessing: 'crop' (resize 256, crop 224) or 'resize'",
      oneOf('--preprocess', PREPROCESS_MODES, "'crop' or 'resize'"),
    )
    .option('--predictions <csv>', 'predictions from a file instead of --model (columns id|path, prediction)')
    .option(
      '--robust <onnx>',
      `the robust feature extractor (default: the shipped ${basename(DEFAULT_ROBUST_MODEL)}; 'none' for no robust features)`,
    )
    .option('--robust-spec <json>', 'spec of the robust model (default: <robust>.json when present)')
    .option(
      '--robust-preprocess <mode>',
      "robust model preprocessing: 'crop' (shorter side to size/0.875, centre crop) or 'resize' (squash); default: its spec's",
      oneOf('--robust-preprocess', PREPROCESS_MODES, "'crop' or 'resize'"),
    )
    .option(
      '--robust-output <name>',
      'output/node to take robust features from (4-D maps are average-pooled)',
    )
    .option(
      '--inspected-features <name>',
      "also store this output of the inspected model as feature set 'inspected'",
    )
    .option('--class-map <file>', 'label space: imagenet_class_index.json or LOC_synset_mapping.txt')
    .option('--root <dir>', 'for manifests: directory that relative image paths resolve against')
    .option('--split <name>', 'only this split of the dataset (e.g. val)')
    .option('--kind <kind>', `force a dataset reader: ${KINDS.join(', ')}`, oneOf('--kind', KINDS))
    .option('--limit <n>', 'only the first n samples', positiveInteger('--limit'))
    .option(
      '--batch-size <n>',
      'images per inference batch',
      positiveInteger('--batch-size'),
      EXTRACT_DEFAULTS.batchSize,
    )
    .option(
      '--chunk-size <n>',
      'images per checkpointed chunk (multiple of the batch size)',
      positiveInteger('--chunk-size'),
      EXTRACT_DEFAULTS.chunkSize,
    )
    .option('--threads <n>', 'onnxruntime threads (default: all cores)', positiveInteger('--threads'))
    .option('--force', 'start over even if --out holds another or an unfinished run')
    .action(async (flags: ExtractFlags) => {
      const robust = chooseRobustModel(flags.robust);
      const opts: ExtractOptions = {
        data: flags.data,
        out: flags.out,
        model: flags.model,
        modelSpec: flags.modelSpec,
        preprocess: flags.preprocess,
        predictions: flags.predictions,
        robust,
        robustSpec: flags.robustSpec,
        robustPreprocess: flags.robustPreprocess,
        robustOutput: flags.robustOutput,
        inspectedFeatures: flags.inspectedFeatures,
        split: flags.split,
        classMap: flags.classMap,
        root: flags.root,
        kind: flags.kind,
        limit: flags.limit,
        batchSize: flags.batchSize,
        chunkSize: flags.chunkSize,
        threads: flags.threads,
        force: flags.force === true,
        onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
      };
      const summary = await extractRun(opts, terminalProgress('extract'));
      const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`);
      const lines = [
        summary.alreadyComplete
          ? `${summary.runDir}: already complete (same data, models and settings)`
          : `wrote ${summary.runDir}: ${summary.samples} samples` +
            (summary.resumedChunks > 0 ? ` (resumed after ${summary.resumedChunks} finished chunks)` : '') +
            ` in ${summary.seconds.toFixed(1)} s (${summary.imagesPerSecond.toFixed(1)} img/s)`,
        `top-1 accuracy ${pct(summary.top1Accuracy)}, top-5 ${pct(summary.top5Accuracy)}`,
      ];
      if (summary.skipped.length > 0) {
        lines.push(`skipped ${summary.skipped.length} unreadable images (listed in skipped.csv):`);
        for (const s of summary.skipped.slice(0, 10)) lines.push(`  ${s.id}: ${s.reason}`);
        if (summary.skipped.length > 10) lines.push(`  ... and ${summary.skipped.length - 10} more`);
      }
      for (const w of summary.warnings.slice(0, 10)) lines.push(`warning: ${w}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

/** --robust as given; 'none' for none; absent: the shipped default, said on stderr so the run is not a surprise. */
function chooseRobustModel(flag: string | undefined): string | undefined {
  if (flag === 'none') return undefined;
  if (flag !== undefined) return flag;
  if (!existsSync(DEFAULT_ROBUST_MODEL)) {
    process.stderr.write(
      `warning: the default robust model ${DEFAULT_ROBUST_MODEL} is missing: no robust features (give --robust <onnx>)\n`,
    );
    return undefined;
  }
  process.stderr.write(
    `robust features: ${basename(DEFAULT_ROBUST_MODEL)} (the shipped default; --robust <onnx> for another, --robust none for none)\n`,
  );
  return DEFAULT_ROBUST_MODEL;
}
