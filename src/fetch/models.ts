/**
 * `faultline models fetch <id>`: download a known model (resumable, sha256-checked), then turn it into what
 * faultline runs (for PyTorch checkpoints: import to ONNX + spec). The list of known models lives in the CLI
 * command (src/cli/commands/models.ts) as FetchableModel records.
 */
import { join, resolve } from 'node:path';
import { downloadVerified, type DownloadResult } from './download.js';

export interface FetchContext {
  /** Directory the download and the produced files go to. */
  dir: string;
  /** The verified download. */
  download: DownloadResult;
}

export interface FetchableModel {
  /** What the user types: `faultline models fetch <id>`. */
  id: string;
  description: string;
  url: string;
  /** File name the download is stored under (inside the fetch directory). */
  fileName: string;
  /** Pinned sha256 of the file; null when not pinned (the hash is then reported, not checked). */
  sha256: string | null;
  /** Size in bytes when known (lets an interrupted download resume without asking the server). */
  bytes: number | null;
  /** Turn the verified download into usable files; returns the paths written. */
  postprocess(context: FetchContext): Promise<string[]>;
}

export interface FetchModelOptions {
  /** Directory for the download and outputs (created if missing). */
  dir: string;
  /** Override the pinned sha256 (e.g. for a mirror), or supply one where none is pinned. */
  sha256?: string;
  /** Override the URL (mirror). */
  url?: string;
  onProgress?(received: number, total: number | undefined): void;
  fetch?: typeof fetch;
}

export interface FetchModelResult {
  download: DownloadResult;
  files: string[];
}

export async function fetchModel(
  model: FetchableModel,
  options: FetchModelOptions,
): Promise<FetchModelResult> {
  const dir = resolve(options.dir);
  const download = await downloadVerified({
    url: options.url ?? model.url,
    dest: join(dir, model.fileName),
    sha256: options.sha256 ?? model.sha256 ?? undefined,
    bytes: options.url ? undefined : (model.bytes ?? undefined),
    onProgress: options.onProgress,
    fetch: options.fetch,
  });
  const files = await model.postprocess({ dir, download });
  return { download, files };
}
