/**
 * `faultline models fetch` against a local HTTP server (127.0.0.1, random port) serving a fixture checkpoint:
 * full download + import, resume of a truncated .part through a Range request, restart when the server ignores
 * Range, an interrupted transfer that a rerun completes, and a sha256 mismatch that deletes the download.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchModel, type FetchableModel } from '../../src/fetch/models.js';
import { importCheckpoint } from '../../src/import/import-checkpoint.js';
import { FaultlineError } from '../../src/shared/errors.js';
import { FIXTURES } from './reference.js';

const body = readFileSync(join(FIXTURES, 'resnet18-w4.pt'));
const sha256 = createHash('sha256').update(body).digest('hex');

/** What the server does; tests change it. */
const behaviour = { honourRange: true, cutAfter: undefined as number | undefined };
const requests: { path: string; range?: string }[] = [];
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range });
    const served =
      req.url === '/ckpt.pt'
        ? body
        : req.url === '/bf16.pt'
          ? readFileSync(join(FIXTURES, 'resnet50-w2-bf16.pt'))
          : undefined;
    if (!served) {
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && behaviour.honourRange) {
      start = Number(range[1]);
      if (start >= served.length) {
        res.writeHead(416, { 'content-range': `bytes */${served.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${served.length - 1}/${served.length}`,
        'content-length': served.length - start,
      });
    } else {
      res.writeHead(200, { 'content-length': served.length });
    }
    const rest = served.subarray(start);
    if (behaviour.cutAfter !== undefined) {
      res.write(rest.subarray(0, behaviour.cutAfter), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'faultline-fetch-'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  behaviour.honourRange = true;
  behaviour.cutAfter = undefined;
  requests.length = 0;
});

function testModel(id: string, overrides: Partial<FetchableModel> = {}): FetchableModel {
  return {
    id,
    description: 'fixture',
    url: `${base}/ckpt.pt`,
    fileName: `${id}.pt`,
    sha256,
    bytes: body.length,
    postprocess: async ({ dir: out, download }) => {
      const result = await importCheckpoint({
        checkpoint: download.path,
        arch: 'resnet18',
        out: join(out, `${id}.onnx`),
        inputSize: 64,
      });
      return [result.onnxPath, result.specPath];
    },
    ...overrides,
  };
}

describe('fetchModel', () => {
  it('downloads, verifies and imports; a second call uses the verified file', async () => {
    const sub = join(dir, 'full');
    const result = await fetchModel(testModel('full'), { dir: sub });
    expect(result.download).toMatchObject({
      sha256,
      bytes: body.length,
      resumedFrom: 0,
      verified: true,
      cached: false,
    });
    expect(result.files.map((f) => existsSync(f))).toEqual([true, true]);
    expect(existsSync(join(sub, 'full.pt.part'))).toBe(false);

    const again = await fetchModel(testModel('full'), { dir: sub });
    expect(again.download.cached).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('resumes a truncated .part file with a Range request', async () => {
    const sub = join(dir, 'resume');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'resume.pt.part'), body.subarray(0, 1000));

    const result = await fetchModel(testModel('resume'), { dir: sub });
    expect(requests).toEqual([{ path: '/ckpt.pt', range: 'bytes=1000-' }]);
    expect(result.download).toMatchObject({ resumedFrom: 1000, sha256, bytes: body.length });
    expect(readFileSync(join(sub, 'resume.pt')).equals(body)).toBe(true);
  });

  it('starts over when the server ignores Range', async () => {
    const sub = join(dir, 'ignore-range');
    behaviour.honourRange = false;
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'ignore.pt.part'), Buffer.from('garbage that is not the file'));
    const result = await fetchModel(testModel('ignore'), { dir: sub });
    expect(requests).toEqual([{ path: '/ckpt.pt', range: 'bytes=28-' }]);
    expect(result.download).toMatchObject({ resumedFrom: 0, sha256 });
  });

  it('an interrupted transfer leaves a .part that the next run completes', async () => {
    const sub = join(dir, 'cut');
    behaviour.cutAfter = 5000;
    const model = testModel('cut', { bytes: null });
    const error = await fetchModel(model, { dir: sub }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultlineError);
    // How much of the cut-off response reaches the file depends on timing (a WHATWG stream that errors drops
    // its queued chunks); whatever did is kept, and the rerun resumes from exactly there.
    const kept = statSync(join(sub, 'cut.pt.part')).size;
    expect(kept).toBeLessThanOrEqual(5000);
    expect((error as FaultlineError).message).toMatch(/interrupted after \d+ bytes/);

    behaviour.cutAfter = undefined;
    requests.length = 0;
    const result = await fetchModel(model, { dir: sub });
    expect(result.download).toMatchObject({ resumedFrom: kept, sha256 });
    expect(requests).toEqual([{ path: '/ckpt.pt', range: kept > 0 ? `bytes=${kept}-` : undefined }]);
  });

  it('a sha256 mismatch is an error and the bad download is deleted', async () => {
    const sub = join(dir, 'mismatch');
    const wrong = 'f'.repeat(64);
    const error = await fetchModel(testModel('bad', { sha256: wrong }), { dir: sub }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FaultlineError);
    expect((error as FaultlineError).message).toContain(`sha256 ${sha256}, expected ${wrong}`);
    expect(existsSync(join(sub, 'bad.pt.part'))).toBe(false);
    expect(existsSync(join(sub, 'bad.pt'))).toBe(false);
    expect(existsSync(join(sub, 'bad.onnx'))).toBe(false);
  });

  it('an HTTP error names the URL and status', async () => {
    const error = await fetchModel(testModel('gone', { url: `${base}/missing.pt` }), {
      dir: join(dir, 'gone'),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /cannot download http:\/\/127\.0\.0\.1:\d+\/missing\.pt: HTTP 404/,
    );
  });
});

describe('faultline models fetch (CLI)', () => {
  it('fetches the registered robust model from a mirror URL and imports it as resnet50', async () => {
    const bf16 = readFileSync(join(FIXTURES, 'resnet50-w2-bf16.pt'));
    const hash = createHash('sha256').update(bf16).digest('hex');
    const out = join(dir, 'cli');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/index.ts',
        'models',
        'fetch',
        'robust-resnet50-l2-eps3',
        '--url',
        `${base}/bf16.pt`,
        '--sha256',
        hash,
        '--dir',
        out,
      ],
      { cwd: join(import.meta.dirname, '..', '..') },
    );
    expect(stdout).toContain(`sha256 ${hash}`);
    expect(existsSync(join(out, 'robust-resnet50-l2-eps3.onnx'))).toBe(true);
    const spec = JSON.parse(readFileSync(join(out, 'robust-resnet50-l2-eps3.json'), 'utf8')) as {
      source: { arch: string; sha256: string };
    };
    expect(spec.source).toMatchObject({ arch: 'resnet50', sha256: hash });
  });
});
