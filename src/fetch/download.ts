/**
 * Resumable, verified downloads. Bytes go to `<dest>.part`; a rerun continues from its size with an HTTP Range
 * request (a server that ignores Range makes it start over). Once complete, the size and sha256 are checked and
 * the file is renamed to `dest`; a file whose sha256 does not match is deleted, never kept under its final name.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { open } from 'node:fs/promises';
import { FaultlineError } from '../shared/errors.js';

export interface DownloadOptions {
  url: string;
  /** Final file path. */
  dest: string;
  /** Expected sha256 (hex). Without it the file is accepted and its hash reported. */
  sha256?: string;
  /** Expected size in bytes, when known. */
  bytes?: number;
  /** Called as bytes arrive: received so far (including a resumed part) and the total when known. */
  onProgress?(received: number, total: number | undefined): void;
  /** Injected for tests; default: the global fetch. */
  fetch?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
  /** Bytes that were already in the .part file and not downloaded again. */
  resumedFrom: number;
  /** True when dest already existed with the expected hash and nothing was downloaded. */
  cached: boolean;
  /** Whether the hash was checked against an expected value. */
  verified: boolean;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** Download `url` to `dest`, resuming a previous partial download. */
export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest } = options;
  const expected = options.sha256?.toLowerCase();
  const part = `${dest}.part`;
  mkdirSync(dirname(dest), { recursive: true });

  if (existsSync(dest)) {
    const sha256 = await sha256OfFile(dest);
    if (!expected || sha256 === expected) {
      return { path: dest, sha256, bytes: sizeOf(dest), resumedFrom: 0, cached: true, verified: !!expected };
    }
    rmSync(dest); // a stale or damaged copy: fetch it again
  }

  let resumedFrom = sizeOf(part);
  if (options.bytes !== undefined && resumedFrom > options.bytes) {
    rmSync(part);
    resumedFrom = 0;
  }
  const fetchImpl = options.fetch ?? fetch;
  const complete = options.bytes !== undefined && resumedFrom === options.bytes;
  if (!complete) {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: resumedFrom > 0 ? { Range: `bytes=${resumedFrom}-` } : {},
        redirect: 'follow',
      });
    } catch (error) {
      throw new FaultlineError(`cannot download ${url}: ${(error as Error).message}`, {
        hint: 'check the network connection, then run the same command again (a partial download resumes)',
      });
    }
    if (response.status === 416 && resumedFrom > 0) {
      // Nothing left to send: the .part file already holds the whole resource; verify it below.
      await response.body?.cancel();
    } else {
      if (response.status !== 200 && response.status !== 206) {
        await response.body?.cancel();
        throw new FaultlineError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
      }
      const append = response.status === 206 && contentRangeStart(response) === resumedFrom;
      if (!append) resumedFrom = 0; // the server ignored the Range header (or answered another range): start over
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      const total = options.bytes ?? (Number.isFinite(length) ? resumedFrom + length : undefined);
      if (!response.body) throw new FaultlineError(`cannot download ${url}: empty response`);
      const received = await appendBody(response.body, part, append, resumedFrom, (n) =>
        options.onProgress?.(n, total),
      );
      if (received.error) {
        throw new FaultlineError(
          `download of ${url} was interrupted after ${received.bytes} bytes (${received.error.message})`,
          { hint: `run the same command again to resume from ${part}` },
        );
      }
    }
  }

  const bytes = sizeOf(part);
  if (options.bytes !== undefined && bytes !== options.bytes) {
    if (bytes > options.bytes) rmSync(part);
    throw new FaultlineError(`download of ${url} has ${bytes} bytes, expected ${options.bytes}`, {
      hint: bytes < options.bytes ? 'run the same command again to resume' : undefined,
    });
  }
  const sha256 = await sha256OfFile(part);
  if (expected && sha256 !== expected) {
    rmSync(part);
    throw new FaultlineError(
      `download of ${url} failed verification: sha256 ${sha256}, expected ${expected}; the downloaded file was deleted`,
      { hint: 'the file on the server changed or the transfer was corrupted; try again or check the URL' },
    );
  }
  renameSync(part, dest);
  return { path: dest, sha256, bytes, resumedFrom, cached: false, verified: expected !== undefined };
}

/**
 * Write the body to `part` chunk by chunk, each write awaited, so that after a network failure the file holds
 * exactly the bytes received (a stream pipeline would drop its buffered tail when it is torn down).
 */
async function appendBody(
  body: ReadableStream<Uint8Array>,
  part: string,
  append: boolean,
  already: number,
  onProgress: (received: number) => void,
): Promise<{ bytes: number; error?: Error }> {
  const file = await open(part, append ? 'a' : 'w');
  let bytes = append ? already : 0;
  onProgress(bytes);
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      await file.write(chunk);
      bytes += chunk.length;
      onProgress(bytes);
    }
    return { bytes };
  } catch (error) {
    return { bytes, error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    await file.close();
  }
}

/** `Content-Range: bytes 100-999/1000` -> 100. */
function contentRangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}
