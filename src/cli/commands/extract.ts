import type { Command } from 'commander';
import { extractRun, type ExtractOptions } from '../../extract/extract.js';
import { terminalProgress } from '../../shared/progress.js';
import { invalidOption } from '../../shared/errors.js';

const KINDS = ['folder', 'imagenet', 'manifest', 'barlow-metadata'] as const;

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw invalidOption(name, 'a positive integer', value);
    return n;
  };
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
    .option('--preprocess <mode>', "inspected model preprocessing: 'crop' (resize 256, crop 224) or 'resize'")
    .option('--predictions <csv>', 'predictions from a file instead of --model (columns id|path, prediction)')
    .option('--robust <onnx>', 'the robust feature extractor')
    .option('--robust-spec <json>', 'spec of the robust model (default: <robust>.json when present)')
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
    .option('--kind <kind>', `force a dataset reader: ${KINDS.join(', ')}`)
    .option('--limit <n>', 'only the first n samples', positiveInt('--limit'))
    .option('--batch-size <n>', 'images per inference batch', positiveInt('--batch-size'), 8)
    .option(
      '--chunk-size <n>',
      'images per checkpointed chunk (multiple of the batch size)',
      positiveInt('--chunk-size'),
      256,
    )
    .option('--threads <n>', 'onnxruntime threads (default: all cores)', positiveInt('--threads'))
    .option('--force', 'start over even if --out holds another or an unfinished run')
    .action(async (flags: Record<string, unknown>) => {
      if (flags.preprocess !== undefined && flags.preprocess !== 'crop' && flags.preprocess !== 'resize') {
        throw invalidOption('--preprocess', "'crop' or 'resize'", flags.preprocess);
      }
      if (flags.kind !== undefined && !KINDS.includes(flags.kind as (typeof KINDS)[number])) {
        throw invalidOption('--kind', KINDS.join(' | '), flags.kind);
      }
      const opts: ExtractOptions = {
        data: flags.data as string,
        out: flags.out as string,
        model: flags.model as string | undefined,
        modelSpec: flags.modelSpec as string | undefined,
        preprocess: flags.preprocess as ExtractOptions['preprocess'],
        predictions: flags.predictions as string | undefined,
        robust: flags.robust as string | undefined,
        robustSpec: flags.robustSpec as string | undefined,
        robustOutput: flags.robustOutput as string | undefined,
        inspectedFeatures: flags.inspectedFeatures as string | undefined,
        split: flags.split as string | undefined,
        classMap: flags.classMap as string | undefined,
        root: flags.root as string | undefined,
        kind: flags.kind as ExtractOptions['kind'],
        limit: flags.limit as number | undefined,
        batchSize: flags.batchSize as number,
        chunkSize: flags.chunkSize as number,
        threads: flags.threads as number | undefined,
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
