/**
 * `faultline models import|fetch|list`: bring your own robust model. `import` turns a PyTorch checkpoint into an
 * ONNX model plus spec without Python; `fetch` downloads a known model (FETCHABLE_MODELS below) and prepares it.
 * To add a fetchable model, append a FetchableModel record: id, url, sha256, bytes, fileName and a postprocess.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { progressPrinter } from '../download-options.js';
import { integer, rgb, sha256 } from '../flags.js';
import { invalidOption, FaultlineError } from '../../shared/errors.js';
import type { FetchableModel } from '../../fetch/models.js';
import { fetchModel } from '../../fetch/models.js';
import {
  DEFAULT_INPUT_SIZE,
  importCheckpoint,
  type ImportCheckpointResult,
} from '../../import/import-checkpoint.js';
import { ARCH_NAMES, parseArch } from '../../import/resnet-arch.js';
import { mobilenetV2Spec, writeSpecBeside } from '../../import/onnx-zoo-spec.js';
import { FETCH_BASE_URL_ENV, fetchUrl } from '../../fetch/source.js';

/** Import a downloaded PyTorch ResNet checkpoint next to it as `<id>.onnx` + `<id>.json`. */
function importResNet(id: string, arch: 'resnet50'): FetchableModel['postprocess'] {
  return async ({ dir, download }) => {
    // The official robustness checkpoints were written with dill and may carry training arguments as Python
    // objects; lenient reading keeps them inert (hostile globals are still refused, nothing executes).
    const result = await importCheckpoint({
      checkpoint: download.path,
      arch,
      out: join(dir, `${id}.onnx`),
      lenient: true,
    });
    reportImport(result);
    return [result.onnxPath, result.specPath];
  };
}

const MOBILENETV2_URL =
  'https://github.com/onnx/models/raw/main/validated/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx';

/**
 * Models `faultline models fetch` knows. sha256/bytes are null where they could not be pinned when the entry was
 * written (no network at hand): the download's hash is then printed so it can be pinned, and `--sha256` checks it.
 */
export const FETCHABLE_MODELS: FetchableModel[] = [
  {
    id: 'robust-resnet50-l2-eps3',
    description:
      'MadryLab robustness ImageNet ResNet-50, L2 PGD eps 3.0 (imagenet_l2_3_0.pt, 57.9% clean top-1): the ' +
      'robust feature extractor of the Barlow method',
    // Official link from the MadryLab/robustness README; dl=1 asks Dropbox for the file instead of its web page.
    url: 'https://www.dropbox.com/s/knf4uimlqsi1yz8/imagenet_l2_3_0.pt?dl=1',
    fileName: 'imagenet_l2_3_0.pt',
    sha256: null,
    bytes: null,
    postprocess: importResNet('robust-resnet50-l2-eps3', 'resnet50'),
  },
  {
    id: 'mobilenetv2',
    description:
      'ONNX model zoo MobileNetV2 int8 (mobilenetv2-12-int8.onnx, ImageNet-1k classifier): the inspected ' +
      'classifier of the Imagenette evaluation (docs/evaluation-imagenette.md; extract it with --preprocess resize)',
    // The model zoo's Git LFS file; GitHub's raw link redirects to the LFS content.
    url: MOBILENETV2_URL,
    fileName: 'mobilenetv2-12-int8.onnx',
    sha256: 'cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f',
    bytes: 3655033,
    postprocess: async ({ download }) => [
      download.path,
      writeSpecBeside(download.path, mobilenetV2Spec({ url: MOBILENETV2_URL, sha256: download.sha256 })),
    ],
  },
];

/** Fetchable models that are classifiers to inspect (`extract --model`); the others are robust extractors. */
const INSPECTED_MODELS = new Set(['mobilenetv2']);

/** Default download directory: $FAULTLINE_MODELS_DIR, else the user's cache ($XDG_CACHE_HOME or ~/.cache). */
export function defaultModelsDir(): string {
  if (process.env.FAULTLINE_MODELS_DIR) return process.env.FAULTLINE_MODELS_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'faultline', 'models');
}

interface ImportFlags {
  out: string;
  arch: string;
  mean?: [number, number, number];
  std?: [number, number, number];
  inputSize: number;
  name?: string;
  lenient?: boolean;
}

interface FetchFlags {
  dir?: string;
  sha256?: string;
  url?: string;
}

function reportImport(result: ImportCheckpointResult): void {
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  const { normalization } = result.spec.source;
  process.stdout.write(
    `wrote ${result.onnxPath} (${result.spec.source.arch}: ${result.numClasses} logits, ` +
      `${result.featureWidth} features, feature map ${result.featureWidth}x${result.featureMapSize}x${result.featureMapSize}; ` +
      `normalisation from ${normalization.from})\n` +
      `wrote ${result.specPath}\n`,
  );
}

export function register(program: Command): void {
  const models = program.command('models').description('Import or download models for faultline');

  models
    .command('import')
    .description('Convert a PyTorch ResNet checkpoint (.pt/.pth) into an ONNX model + spec, without Python')
    .argument('<checkpoint>', 'torch.save file: a state dict, or a robustness-library checkpoint')
    .requiredOption('--out <onnx>', 'ONNX file to write; the spec goes next to it (<name>.json)')
    .option('--arch <name>', `architecture: ${[...ARCH_NAMES, 'auto'].join(', ')}`, 'resnet50')
    .option(
      '--mean <r,g,b>',
      'input normalisation mean (default: from the checkpoint, else ImageNet)',
      rgb('--mean'),
    )
    .option(
      '--std <r,g,b>',
      'input normalisation std (default: from the checkpoint, else ImageNet)',
      rgb('--std'),
    )
    .option(
      '--input-size <px>',
      'square input size',
      integer('--input-size', 32, undefined, 'an integer of at least 32'),
      DEFAULT_INPUT_SIZE,
    )
    .option('--name <name>', 'model name in the spec (default: the output file name)')
    .option(
      '--lenient',
      'read unknown Python objects outside the weights (training arguments...) as inert placeholders instead of ' +
        'refusing the file; hostile globals are still refused and nothing is ever executed',
    )
    .action(async (checkpoint: string, flags: ImportFlags) => {
      const result = await importCheckpoint({
        checkpoint,
        arch: parseArch(flags.arch),
        out: flags.out,
        mean: flags.mean,
        std: flags.std,
        inputSize: flags.inputSize,
        name: flags.name,
        lenient: flags.lenient === true,
      });
      reportImport(result);
    });

  models
    .command('fetch')
    .description('Download a known model (resumable, sha256-checked) and prepare it for faultline')
    .argument('<id>', `one of: ${FETCHABLE_MODELS.map((m) => m.id).join(', ')}`)
    .option('--dir <dir>', 'where the download and the model files go (default: ~/.cache/faultline/models)')
    .option(
      '--sha256 <hex>',
      'expected sha256 of the download (overrides or supplies the pinned one)',
      sha256,
    )
    .option(
      '--url <url>',
      `download from this mirror instead of the official URL (or set $${FETCH_BASE_URL_ENV} to a base URL)`,
    )
    .action(async (id: string, flags: FetchFlags) => {
      const model = FETCHABLE_MODELS.find((m) => m.id === id);
      if (!model) throw invalidOption('<id>', `one of ${FETCHABLE_MODELS.map((m) => m.id).join(', ')}`, id);
      const url = fetchUrl(model.url, model.fileName, { url: flags.url });
      const { download, files } = await fetchModel(model, {
        dir: flags.dir ?? defaultModelsDir(),
        sha256: flags.sha256,
        url: url === model.url ? undefined : url,
        onProgress: progressPrinter(`downloading ${model.fileName}`),
      });
      const how = download.cached ? 'already present' : download.resumedFrom > 0 ? 'resumed' : 'downloaded';
      process.stdout.write(`${how}: ${download.path} (${download.bytes} bytes, sha256 ${download.sha256})\n`);
      if (!download.verified) {
        process.stderr.write(
          `warning: no pinned sha256 for ${model.id}: the hash above was not checked; pass --sha256 to check it\n`,
        );
      }
      if (files.length === 0) throw new FaultlineError(`${model.id}: nothing was produced from the download`);
      const onnx = files.find((f) => f.endsWith('.onnx'));
      for (const file of files) if (file !== download.path) process.stdout.write(`wrote ${file}\n`);
      const role = INSPECTED_MODELS.has(model.id) ? '--model' : '--robust';
      if (onnx) process.stdout.write(`use it with: faultline extract ${role} ${onnx} ...\n`);
    });

  models
    .command('list')
    .description('List the models `faultline models fetch` can download')
    .action(() => {
      for (const m of FETCHABLE_MODELS) process.stdout.write(`${m.id}\n  ${m.description}\n  ${m.url}\n`);
    });
}
