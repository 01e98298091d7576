/**
 * `faultline datasets fetch <id>`: download a known dataset archive (resumable, sha256-checked, through the same
 * downloader as `faultline models fetch`), extract it safely (src/fetch/tar-extract.ts) and check that it reads
 * as the layout it claims. A marker file next to the extracted folder records which archive it came from, so a
 * rerun after success does nothing and a folder faultline did not write is never replaced.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { downloadVerified, type DownloadResult } from './download.js';
import { FaultlineError } from '../shared/errors.js';
import { fetchUrl } from './source.js';
import { extractTar, type ExtractResult } from './tar-extract.js';

export interface FetchableDataset {
  /** What the user types: `faultline datasets fetch <id>`. */
  id: string;
  description: string;
  url: string;
  /** File name the archive is stored under (inside the fetch directory). */
  fileName: string;
  /** Pinned sha256 of the archive; null when not pinned (the hash is then reported, not checked). */
  sha256: string | null;
  /** Size in bytes when known. */
  bytes: number | null;
  /** The folder the archive extracts to, relative to the fetch directory. */
  root: string;
  /** Sub-folders the extracted dataset must contain (its splits). */
  splits: string[];
}

/**
 * Datasets `faultline datasets fetch` knows. Imagenette's hash and size are those TensorFlow Datasets records for
 * this URL (tensorflow_datasets/datasets/imagenette/checksums.tsv; torchvision's Imagenette pins the same archive
 * by md5 fe2fc210e6bb7c5664d602c3cd71e612); they could not be re-checked against the server from here.
 */
export const FETCHABLE_DATASETS: FetchableDataset[] = [
  {
    id: 'imagenette',
    description:
      "fastai's Imagenette 2 (full size): 13,394 ImageNet photos of 10 classes, train 9,469 / val 3,925, " +
      'in ImageNet layout (imagenette2/{train,val}/<wnid>/*.JPEG)',
    url: 'https://s3.amazonaws.com/fast-ai-imageclas/imagenette2.tgz',
    fileName: 'imagenette2.tgz',
    sha256: '6cbfac238434d89fe99e651496f0812ebc7a10fa62bd42d6874042bf01de4efd',
    bytes: 1557161267,
    root: 'imagenette2',
    splits: ['train', 'val'],
  },
];

export interface FetchDatasetOptions {
  /** Directory for the archive and the extracted dataset (created if missing). */
  dir: string;
  /** Override the pinned sha256 (e.g. for a re-uploaded archive or a mirror), or supply one where none is pinned. */
  sha256?: string;
  /** Download this URL instead of the official one. */
  url?: string;
  /** Download `<baseUrl>/<fileName>` instead of the official URL (default: $FAULTLINE_FETCH_BASE_URL). */
  baseUrl?: string;
  /** Delete the archive once extracted (a rerun then has nothing to resume from, but the marker still holds). */
  deleteArchive?: boolean;
  onProgress?(received: number, total: number | undefined): void;
  onEntry?(path: string, count: number): void;
  fetch?: typeof fetch;
}

export interface FetchDatasetResult {
  /** The extracted dataset folder, ready for `faultline extract --data`. */
  root: string;
  /** The verified download (from the marker when nothing was done). */
  download: DownloadResult;
  /** Extraction counts; undefined when the dataset was already in place. */
  extracted?: ExtractResult;
}

interface FetchMarker {
  dataset: string;
  archive: string;
  sha256: string;
  bytes: number;
  files: number;
  extractedAt: string;
}

/** `<dir>/<root>.fetched.json`: beside the dataset folder, so dataset readers never see it. */
export function markerPath(dir: string, dataset: FetchableDataset): string {
  return join(resolve(dir), `${dataset.root}.fetched.json`);
}

export async function fetchDataset(
  dataset: FetchableDataset,
  options: FetchDatasetOptions,
): Promise<FetchDatasetResult> {
  const dir = resolve(options.dir);
  const root = join(dir, dataset.root);
  const marker = markerPath(dir, dataset);
  const expected = options.sha256?.toLowerCase() ?? dataset.sha256 ?? undefined;

  if (existsSync(root)) {
    const done = readMarker(marker);
    if (done && (!expected || done.sha256 === expected)) {
      const archive = join(dir, done.archive);
      return {
        root,
        download: {
          path: archive,
          sha256: done.sha256,
          bytes: done.bytes,
          resumedFrom: 0,
          cached: true,
          verified: expected !== undefined,
        },
      };
    }
    if (!done) {
      throw new FaultlineError(
        `${root} already exists and was not extracted by faultline; not replacing it`,
        {
          file: root,
          hint: `if it is the dataset, use it directly (faultline extract --data ${root}); else move it or pass another --dir`,
        },
      );
    }
    // Extracted from another archive (the pin changed): extract the new one over it below.
  }

  const archive = join(dir, dataset.fileName);
  const download = await downloadVerified({
    url: fetchUrl(dataset.url, dataset.fileName, { url: options.url, baseUrl: options.baseUrl }),
    dest: archive,
    sha256: expected,
    // The pinned size belongs to the pinned file; a URL or hash given by the user may mean another file.
    bytes: options.url || options.sha256 ? undefined : (dataset.bytes ?? undefined),
    onProgress: options.onProgress,
    fetch: options.fetch,
  });

  const extracted = await extractTar(archive, dir, { gzip: true, onEntry: options.onEntry });
  const missing = [dataset.root, ...dataset.splits.map((s) => join(dataset.root, s))].filter(
    (p) => !isDirectory(join(dir, p)),
  );
  if (missing.length > 0) {
    throw new FaultlineError(
      `${archive}: the archive does not hold the expected ${dataset.id} layout (missing ${missing.join(', ')}; ` +
        `it held ${extracted.topLevel.join(', ') || 'nothing'})`,
      { file: archive, hint: 'check the URL: the file at it is not this dataset' },
    );
  }
  const record: FetchMarker = {
    dataset: dataset.id,
    archive: dataset.fileName,
    sha256: download.sha256,
    bytes: download.bytes,
    files: extracted.files,
    extractedAt: new Date().toISOString(),
  };
  writeFileSync(marker, `${JSON.stringify(record, null, 2)}\n`);
  if (options.deleteArchive) rmSync(archive, { force: true });
  return { root, download, extracted };
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function readMarker(path: string): FetchMarker | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<FetchMarker>;
    return typeof parsed.sha256 === 'string' && typeof parsed.archive === 'string'
      ? (parsed as FetchMarker)
      : undefined;
  } catch {
    return undefined;
  }
}
