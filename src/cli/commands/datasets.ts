/**
 * `faultline datasets fetch|list`: download a known dataset (FETCHABLE_DATASETS in src/fetch/datasets.ts),
 * resumable and sha256-checked, extract it safely and print the command that analyses it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { progressPrinter } from '../download-options.js';
import { sha256 } from '../flags.js';
import { invalidOption } from '../../shared/errors.js';
import { FETCH_BASE_URL_ENV } from '../../fetch/source.js';
import { FETCHABLE_DATASETS, fetchDataset } from '../../fetch/datasets.js';
import { ingestDataset } from '../../ingest/index.js';
import { defaultModelsDir } from './models.js';

/** Default directory: $FAULTLINE_DATA_DIR, else the user's cache ($XDG_CACHE_HOME or ~/.cache). */
export function defaultDatasetsDir(): string {
  if (process.env.FAULTLINE_DATA_DIR) return process.env.FAULTLINE_DATA_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'faultline', 'datasets');
}

function entryPrinter(): (path: string, count: number) => void {
  const stream = process.stderr;
  let last = 0;
  return (_path, count) => {
    const now = Date.now();
    if (now - last < (stream.isTTY ? 200 : 5000)) return;
    last = now;
    stream.write(stream.isTTY ? `\rextracting: ${count} entries` : `extracting: ${count} entries\n`);
  };
}

interface FetchDatasetFlags {
  dir?: string;
  sha256?: string;
  url?: string;
  deleteArchive?: boolean;
}

export function register(program: Command): void {
  const datasets = program.command('datasets').description('Download datasets for faultline');

  datasets
    .command('fetch')
    .description('Download a known dataset (resumable, sha256-checked) and extract it')
    .argument('<id>', `one of: ${FETCHABLE_DATASETS.map((d) => d.id).join(', ')}`)
    .option('--dir <dir>', 'where the archive and the dataset go (default: ~/.cache/faultline/datasets)')
    .option('--sha256 <hex>', 'expected sha256 of the archive (overrides or supplies the pinned one)', sha256)
    .option(
      '--url <url>',
      `download from this URL instead of the official one (see also $${FETCH_BASE_URL_ENV})`,
    )
    .option('--delete-archive', 'delete the downloaded archive once it is extracted')
    .action(async (id: string, flags: FetchDatasetFlags) => {
      const dataset = FETCHABLE_DATASETS.find((d) => d.id === id);
      if (!dataset) {
        throw invalidOption('<id>', `one of ${FETCHABLE_DATASETS.map((d) => d.id).join(', ')}`, id);
      }
      const result = await fetchDataset(dataset, {
        dir: flags.dir ?? defaultDatasetsDir(),
        sha256: flags.sha256,
        url: flags.url,
        deleteArchive: flags.deleteArchive === true,
        onProgress: progressPrinter(`downloading ${dataset.fileName}`),
        onEntry: entryPrinter(),
      });
      const { download } = result;
      if (result.extracted) {
        if (process.stderr.isTTY) process.stderr.write('\n');
        const how = download.cached
          ? 'already downloaded'
          : download.resumedFrom > 0
            ? 'resumed'
            : 'downloaded';
        process.stdout.write(
          `${how}: ${download.path} (${download.bytes} bytes, sha256 ${download.sha256})\n` +
            `extracted ${result.extracted.files} files to ${result.root}\n`,
        );
      } else {
        process.stdout.write(`already in place: ${result.root} (from sha256 ${download.sha256})\n`);
      }
      if (!download.verified) {
        process.stderr.write(
          `warning: no sha256 was given for ${dataset.id}: the hash above was not checked; ` +
            'pass --sha256 to check it\n',
        );
      }
      const read = await ingestDataset(result.root, { kind: 'imagenet' });
      const bySplit = new Map<string, number>();
      for (const s of read.samples) bySplit.set(s.split, (bySplit.get(s.split) ?? 0) + 1);
      const splits = [...bySplit].map(([split, n]) => `${split || '(none)'} ${n}`).join(', ');
      const classes = new Set(read.samples.map((s) => s.label)).size;
      process.stdout.write(`${read.samples.length} images in ${classes} classes (${splits})\n`);
      const model = join(defaultModelsDir(), 'mobilenetv2-12-int8.onnx');
      process.stdout.write(
        '\nnext: analyse MobileNetV2 on it (Imagenette photos are square crops: --preprocess resize)\n' +
          '  faultline models fetch mobilenetv2\n' +
          `  faultline extract --data ${result.root} --model ${model} --preprocess resize \\\n` +
          '    --robust models/imagenette-robust-resnet18.onnx --out runs/imagenette\n',
      );
    });

  datasets
    .command('list')
    .description('List the datasets `faultline datasets fetch` can download')
    .action(() => {
      for (const d of FETCHABLE_DATASETS) process.stdout.write(`${d.id}\n  ${d.description}\n  ${d.url}\n`);
    });
}
