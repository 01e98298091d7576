/**
 * `faultline datasets fetch imagenette` and `faultline models fetch mobilenetv2` against a local HTTP server
 * (127.0.0.1, random port) that serves a tiny Imagenette-shaped .tgz (JPEGs made with sharp in wnid folders) and a
 * stand-in model file: full download + extraction, resume of a truncated .part, a sha256 mismatch, a hostile
 * archive, ingestion of the result, and the CLI through $FAULTLINE_FETCH_BASE_URL.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register as registerDatasets } from '../../src/cli/commands/datasets.js';
import { FETCHABLE_MODELS, register as registerModels } from '../../src/cli/commands/models.js';
import { fetchModel } from '../../src/fetch/models.js';
import { loadModel } from '../../src/inference/model.js';
import { readModelSpec } from '../../src/inference/spec.js';
import { FETCHABLE_DATASETS, fetchDataset, markerPath } from '../../src/fetch/datasets.js';
import { ingestDataset } from '../../src/ingest/index.js';
import { FaultlineError } from '../../src/shared/errors.js';
import { FETCH_BASE_URL_ENV } from '../../src/fetch/source.js';
import { tgzArchive, type TarTestEntry } from '../fixtures/fetch/tar-writer.js';

const SHARED_MODEL = '/work/shared/models/mobilenetv2-12-int8.onnx';
const imagenette = FETCHABLE_DATASETS.find((d) => d.id === 'imagenette')!;
const mobilenet = FETCHABLE_MODELS.find((m) => m.id === 'mobilenetv2')!;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Files the server knows, by URL path. */
const served = new Map<string, Buffer>();
const behaviour = { cutAfter: undefined as number | undefined };
const requests: { path: string; range?: string }[] = [];
let server: Server;
let base: string;
let work: string;
let archive: Buffer;

/** tench (n01440764, ImageNet 0) and church (n03028079, ImageNet 497): 2 train + 1 val photos each. */
const LAYOUT = [
  ['train', 'n01440764', 2],
  ['val', 'n01440764', 1],
  ['train', 'n03028079', 2],
  ['val', 'n03028079', 1],
] as const;

async function fixtureArchive(): Promise<Buffer> {
  const entries: TarTestEntry[] = [{ path: 'imagenette2/' }];
  let k = 0;
  for (const [split, wnid, count] of LAYOUT) {
    entries.push({ path: `imagenette2/${split}/${wnid}/` });
    for (let i = 0; i < count; i++) {
      const jpeg = await sharp({
        create: { width: 16, height: 12, channels: 3, background: { r: 40 * k, g: 90, b: 200 - 20 * k } },
      })
        .jpeg()
        .toBuffer();
      k++;
      entries.push({ path: `imagenette2/${split}/${wnid}/${wnid}_${k}.JPEG`, data: jpeg });
    }
  }
  return tgzArchive(entries);
}

beforeAll(async () => {
  archive = await fixtureArchive();
  served.set('/imagenette2.tgz', archive);
  served.set(
    '/evil/imagenette2.tgz',
    tgzArchive([{ path: 'imagenette2/train/' }, { path: '../evil', data: 'x' }]),
  );
  served.set('/mobilenetv2-12-int8.onnx', Buffer.from('stand-in for the model bytes'));
  if (existsSync(SHARED_MODEL)) served.set('/real/mobilenetv2-12-int8.onnx', readFileSync(SHARED_MODEL));
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range });
    const body = served.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
      });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const rest = body.subarray(start);
    if (behaviour.cutAfter !== undefined) {
      res.write(rest.subarray(0, behaviour.cutAfter), () => setTimeout(() => res.destroy(), 30));
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = mkdtempSync(join(tmpdir(), 'faultline-fetch-commands-'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  behaviour.cutAfter = undefined;
  requests.length = 0;
});

function dirFor(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('fetchDataset (imagenette entry, fixture archive)', () => {
  it('pins the official archive', () => {
    expect(imagenette).toMatchObject({
      url: 'https://s3.amazonaws.com/fast-ai-imageclas/imagenette2.tgz',
      fileName: 'imagenette2.tgz',
      bytes: 1557161267,
      root: 'imagenette2',
    });
    expect(imagenette.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('downloads, verifies, extracts into imagenette2/{train,val}/<wnid>, and ingests', async () => {
    const dir = dirFor('full');
    const result = await fetchDataset(imagenette, { dir, baseUrl: base, sha256: sha(archive) });
    expect(result.root).toBe(join(dir, 'imagenette2'));
    expect(result.download).toMatchObject({
      sha256: sha(archive),
      verified: true,
      cached: false,
      resumedFrom: 0,
    });
    expect(result.extracted).toMatchObject({ files: 6, topLevel: ['imagenette2'] });
    expect(archive.length).toBeGreaterThan(400); // the resume tests below cut it at 200 bytes
    expect(readdirSync(join(dir, 'imagenette2')).sort()).toEqual(['train', 'val']);
    expect(readdirSync(dir).sort()).toEqual(['imagenette2', 'imagenette2.fetched.json', 'imagenette2.tgz']);
    expect(requests.map((r) => r.path)).toEqual(['/imagenette2.tgz']);

    const dataset = await ingestDataset(result.root);
    expect(dataset.kind).toBe('imagenet');
    const rows = dataset.samples.map((s) => `${s.split} ${s.label} ${s.labelName}`).sort();
    expect(rows).toEqual([
      'train 0 tench',
      'train 0 tench',
      'train 497 church',
      'train 497 church',
      'val 0 tench',
      'val 497 church',
    ]);

    // A rerun finds the marker and does nothing.
    const again = await fetchDataset(imagenette, { dir, baseUrl: base, sha256: sha(archive) });
    expect(again.extracted).toBeUndefined();
    expect(again.download.cached).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('resumes from a truncated .part with a Range request', async () => {
    const dir = dirFor('resume');
    const half = Math.floor(archive.length / 2);
    writeFileSync(join(dir, 'imagenette2.tgz.part'), archive.subarray(0, half));
    const result = await fetchDataset(imagenette, { dir, baseUrl: base, sha256: sha(archive) });
    expect(requests).toEqual([{ path: '/imagenette2.tgz', range: `bytes=${half}-` }]);
    expect(result.download.resumedFrom).toBe(half);
    expect(result.extracted?.files).toBe(6);
  });

  it('an interrupted transfer fails with a resume hint, and the rerun completes it', async () => {
    const dir = dirFor('interrupted');
    behaviour.cutAfter = 200;
    await expect(fetchDataset(imagenette, { dir, baseUrl: base, sha256: sha(archive) })).rejects.toThrow(
      /interrupted after 200 bytes/,
    );
    behaviour.cutAfter = undefined;
    const result = await fetchDataset(imagenette, { dir, baseUrl: base, sha256: sha(archive) });
    expect(result.download.resumedFrom).toBe(200);
    expect(existsSync(join(dir, 'imagenette2/val/n03028079'))).toBe(true);
  });

  it('a sha256 mismatch is a clear error and the bad download is removed', async () => {
    const dir = dirFor('mismatch');
    const error = await fetchDataset(imagenette, { dir, baseUrl: base, sha256: 'a'.repeat(64) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FaultlineError);
    expect((error as Error).message).toMatch(
      new RegExp(`sha256 ${sha(archive)}, expected a{64}; the downloaded file was deleted`),
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the pinned hash is checked when none is given (the fixture is not the real archive)', async () => {
    const dir = dirFor('pinned');
    // Without --sha256 the pinned size applies too: the fixture is far smaller, so the download stops short.
    await expect(fetchDataset(imagenette, { dir, baseUrl: base })).rejects.toThrow(/expected 1557161267/);
  });

  it('refuses a hostile archive entry and extracts nothing', async () => {
    const dir = dirFor('hostile/inner');
    const evil = served.get('/evil/imagenette2.tgz')!;
    const error = await fetchDataset(imagenette, { dir, baseUrl: `${base}/evil`, sha256: sha(evil) }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/refusing archive entry "\.\.\/evil"/);
    expect(existsSync(join(work, 'hostile/evil'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['imagenette2.tgz']); // only the (verified) download
    expect(existsSync(markerPath(dir, imagenette))).toBe(false);
  });

  it('never replaces a folder it did not extract', async () => {
    const dir = dirFor('foreign');
    mkdirSync(join(dir, 'imagenette2'));
    await expect(fetchDataset(imagenette, { dir, baseUrl: base, sha256: sha(archive) })).rejects.toThrow(
      /already exists and was not extracted by faultline/,
    );
    expect(requests).toHaveLength(0);
  });
});

describe('mobilenetv2 entry', () => {
  it('downloads the model and writes its spec next to it', async () => {
    const dir = dirFor('model');
    const body = served.get('/mobilenetv2-12-int8.onnx')!;
    const { files } = await fetchModel(mobilenet, {
      dir,
      url: `${base}/mobilenetv2-12-int8.onnx`,
      sha256: sha(body),
    });
    expect(files).toEqual([join(dir, 'mobilenetv2-12-int8.onnx'), join(dir, 'mobilenetv2-12-int8.json')]);
    const spec = readModelSpec(files[1]);
    expect(spec).toMatchObject({
      input: { name: 'input', width: 224, height: 224 },
      preprocess: { mode: 'crop', resize: 256 },
      normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      outputs: { logits: 'output' },
    });
    expect(spec.classes).toHaveLength(1000);
    expect(spec.classes?.[497]).toMatchObject({ name: 'church', wnid: 'n03028079' });
  });

  describe.skipIf(!existsSync(SHARED_MODEL))('against the real file (/work/shared)', () => {
    it('the pinned sha256 and size are those of the model zoo file, and the spec fits the graph', async () => {
      const real = served.get('/real/mobilenetv2-12-int8.onnx')!;
      expect(mobilenet.sha256).toBe(sha(real));
      expect(mobilenet.bytes).toBe(statSync(SHARED_MODEL).size);
      const dir = dirFor('real-model');
      const { download, files } = await fetchModel(mobilenet, {
        dir,
        url: `${base}/real/mobilenetv2-12-int8.onnx`,
      });
      expect(download.verified).toBe(true);
      const model = await loadModel(files[0], { role: 'inspected' });
      expect(model.spec.outputs.logits).toBe('output');
      expect(model.spec.classes).toHaveLength(1000);
    });
  });
});

describe('CLI through $FAULTLINE_FETCH_BASE_URL', () => {
  function program(): Command {
    const p = new Command().exitOverride();
    p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerDatasets(p);
    registerModels(p);
    return p;
  }

  async function run(args: string[]): Promise<string> {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env[FETCH_BASE_URL_ENV] = base;
    try {
      await program().parseAsync(args, { from: 'user' });
      return out.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      delete process.env[FETCH_BASE_URL_ENV];
      out.mockRestore();
      err.mockRestore();
    }
  }

  it('datasets fetch imagenette prints what it did and the next command', async () => {
    const dir = dirFor('cli-data');
    const printed = await run(['datasets', 'fetch', 'imagenette', '--dir', dir, '--sha256', sha(archive)]);
    expect(requests.map((r) => r.path)).toEqual(['/imagenette2.tgz']);
    expect(printed).toMatch(/extracted 6 files to .*imagenette2/);
    expect(printed).toMatch(/6 images in 2 classes \(train 4, val 2\)/);
    expect(printed).toMatch(/faultline models fetch mobilenetv2/);
    expect(printed).toMatch(
      /faultline extract --data \S+imagenette2 --model \S+mobilenetv2-12-int8\.onnx --preprocess resize/,
    );
  });

  it('models fetch mobilenetv2 writes the model and its spec', async () => {
    const dir = dirFor('cli-model');
    const body = served.get('/mobilenetv2-12-int8.onnx')!;
    const printed = await run(['models', 'fetch', 'mobilenetv2', '--dir', dir, '--sha256', sha(body)]);
    expect(requests.map((r) => r.path)).toEqual(['/mobilenetv2-12-int8.onnx']);
    expect(printed).toMatch(/wrote \S+mobilenetv2-12-int8\.json/);
    expect(printed).toMatch(/faultline extract --model \S+mobilenetv2-12-int8\.onnx/);
  });
});
