import { mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticRun, type SyntheticRun } from '../../test/e2e/synthetic-run.js';
import { openDatabase } from '../study/store/database.js';
import { createApp } from './app.js';
import { createExplorer, hostsFor, type Explorer } from './serve.js';
import type {
  ClassResponse,
  FeatureResponse,
  MembersResponse,
  ModeResponse,
  OverviewResponse,
} from '../shared/api/explorer.js';

let dir: string;
let run: SyntheticRun;
let explorer: Explorer;

async function get<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T; res: Response }> {
  const res = await explorer.app.request(path, init);
  const type = res.headers.get('content-type') ?? '';
  const body = (type.includes('json') ? await res.json() : await res.text()) as T;
  return { status: res.status, body, res };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-server-'));
  run = await buildSyntheticRun({ dir, classes: 5, samplesPerClass: 24, secondModel: true, visuals: true });
  // Hostile samples: a symlink out of the dataset, an absolute path elsewhere, a ../ path.
  writeFileSync(join(dir, 'secret.png'), 'secret');
  symlinkSync(join(dir, 'secret.png'), join(run.datasetRoot, 'img', 'link.png'));
  const samplesCsv = readFileSync(join(run.runDir, 'samples.csv'), 'utf8').split('\n');
  samplesCsv[1] = samplesCsv[1].replace(/img\/\d+\.png/, 'img/link.png');
  samplesCsv[2] = samplesCsv[2].replace(/img\/\d+\.png/, join(dir, 'secret.png'));
  samplesCsv[3] = samplesCsv[3].replace(/img\/\d+\.png/, '../secret.png');
  writeFileSync(join(run.runDir, 'samples.csv'), samplesCsv.join('\n'));
  explorer = await createExplorer({ runDir: run.runDir, webRoot: null });
});

afterAll(() => {
  explorer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('explorer API', () => {
  it('pages, sorts and searches the overview', async () => {
    const { status, body } = await get<OverviewResponse>('/api/overview?pageSize=2&sort=index');
    expect(status).toBe(200);
    expect(body.total).toBe(5);
    expect(body.classes.map((c) => c.classIndex)).toEqual([0, 1]);
    expect(body.predictionSets.map((s) => s.name)).toEqual(['inspected', 'robust']);
    expect(body.accuracy).toBeCloseTo(2 / 3, 1);
    expect(body.warnings).toEqual([]);
    const page3 = await get<OverviewResponse>('/api/overview?pageSize=2&page=3&sort=index');
    expect(page3.body.classes.map((c) => c.classIndex)).toEqual([4]);
    const search = await get<OverviewResponse>('/api/overview?q=class_3');
    expect(search.body.classes.map((c) => c.className)).toEqual(['class_3']);
    const byImportance = await get<OverviewResponse>('/api/overview?sort=importance');
    const imp = byImportance.body.classes.map((c) => c.topModeImportance ?? 0);
    expect([...imp].sort((a, b) => b - a)).toEqual(imp);
  });

  it('returns a class with its tree and modes with train and held-out metrics', async () => {
    const { status, body } = await get<ClassResponse>('/api/classes/0');
    expect(status).toBe(200);
    expect(body.tree).toHaveLength(3);
    expect(body.modes).toHaveLength(1);
    expect(body.modes[0].rule).toBe(`predicted class_0 and feature ${run.modeFeature(0)} > 0.5`);
    expect(body.modes[0].heldOut).not.toBeNull();
    expect(body.modes[0].train.errorRate).toBeGreaterThan(body.class.baseErrorRate);
  });

  it('returns a mode, pages its members and exports them as CSV', async () => {
    const mode = await get<ModeResponse>('/api/modes/pred-0/2');
    expect(mode.status).toBe(200);
    expect(mode.body.failures + mode.body.successes).toBe(mode.body.mode.memberCount);
    const members = await get<MembersResponse>('/api/modes/pred-0/2/members?kind=failures&pageSize=3');
    expect(members.body.items.length).toBeLessThanOrEqual(3);
    expect(members.body.items.every((m) => m.failure)).toBe(true);
    const csv = await get<string>('/api/modes/pred-0/2/export.csv');
    expect(csv.res.headers.get('content-type')).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('row,id,label,label_name,prediction,prediction_name,failure');
    expect(lines).toHaveLength(mode.body.mode.memberCount + 1);
  });

  it('returns a feature with its visuals and every rule using it', async () => {
    const { body } = await get<FeatureResponse>(`/api/features/${run.modeFeature(0)}`);
    expect(body.rules.map((r) => r.modeId)).toContain('pred-0/2');
    expect(body.visuals).toHaveLength(1);
    expect(body.visuals[0].top).toHaveLength(3);
    const png = await explorer.app.request(body.visuals[0].heatmaps[0]);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
  });

  it('compares two prediction sets', async () => {
    const { status, body } = await get<{ sets: { name: string }[]; rows: unknown[]; modes: unknown[] }>(
      '/api/compare',
    );
    expect(status).toBe(200);
    expect(body.sets.map((s) => s.name)).toEqual(['inspected', 'robust']);
    expect(body.rows.length).toBe(5);
    expect(body.modes.length).toBe(5);
  });

  it('re-runs one class in place with edited settings through the discover module', async () => {
    const res = await explorer.app.request('/api/classes/1/rediscover', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ depth: 2, minLeaf: 2, topFeatures: 4 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ClassResponse;
    expect(body.edited).toBe(true);
    expect(body.settings).toEqual({ depth: 2, minLeaf: 2, topFeatures: 4 });
    expect(body.selectedFeatures.length).toBeLessThanOrEqual(4);
    // The class's failures sit above 0.5 on its mode feature, so a real tree finds that feature again.
    expect(body.modes[0].conditions.map((c) => c.feature)).toContain(run.modeFeature(1));
    const again = (await (await explorer.app.request('/api/classes/1')).json()) as ClassResponse;
    expect(again.edited).toBe(true);
    expect(again.modes[0].id).toBe(body.modes[0].id);
  });

  it('serves sample images by row and id, and thumbnails', async () => {
    const row = 10;
    const full = await explorer.app.request(`/api/images/${row}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/png');
    const thumb = await explorer.app.request(`/api/images/${row}?w=16`);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const byId = await explorer.app.request(
      `/api/images/by-id?id=${encodeURIComponent(run.samples[row].id)}`,
    );
    expect(byId.status).toBe(200);
  });
});

describe('explorer without a study', () => {
  it('serves a run whose database holds no study, and says the study is missing', async () => {
    openDatabase(run.runDir, { create: true }).close();
    const bare = await createExplorer({ runDir: run.runDir, webRoot: null });
    try {
      expect((await bare.app.request('/api/classes/0')).status).toBe(200);
      const res = await bare.app.request(`/api/study/task/${'a'.repeat(43)}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toContain('no study');
    } finally {
      bare.close();
    }
  });
});

describe('explorer API refuses bad requests', () => {
  it.each([
    ['/api/overview?pageSize=100000', 400],
    ['/api/overview?sort=evil', 400],
    ['/api/overview?unknown=1', 400],
    ['/api/classes/abc', 400],
    ['/api/classes/99', 404],
    ['/api/modes/pred-0/99', 404],
    ['/api/modes/evil/2', 400],
    ['/api/images/999999', 404],
    ['/api/images/-1', 400],
    ['/api/images/by-id?id=../../etc/passwd', 404],
    ['/api/visuals/pred-0/7/..%2F..%2Frun.json', 400],
    ['/api/visuals/..%2F..%2F/7/top-1.png', 400],
    ['/api/visuals/pred-0/7/%2Fetc%2Fpasswd', 400],
    ['/api/nothing', 404],
  ])('%s -> %i with a JSON message', async (path, status) => {
    const res = await explorer.app.request(path);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/\w/);
  });

  it.each([
    ['symlink out of the dataset root', 0],
    ['absolute path outside the roots', 1],
    ['../ path outside the roots', 2],
  ])('refuses a sample whose file is a %s', async (_what, row) => {
    const res = await explorer.app.request(`/api/images/${row}`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('secret');
  });

  it('refuses foreign Host headers when bound to loopback (DNS rebinding)', async () => {
    const guarded = createApp({ ...explorer.ctx, allowedHosts: hostsFor('127.0.0.1') });
    const ok = await guarded.request('http://127.0.0.1:4173/api/overview');
    expect(ok.status).toBe(200);
    const evil = await guarded.request('/api/overview', { headers: { host: 'evil.example:4173' } });
    expect(evil.status).toBe(403);
    expect(hostsFor('0.0.0.0')).toBeUndefined();
  });

  it('refuses oversized and malformed bodies', async () => {
    const big = await explorer.app.request('/api/classes/0/rediscover', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(200_000) },
      body: 'x'.repeat(200_000),
    });
    expect(big.status).toBe(413);
    const bad = await explorer.app.request('/api/classes/0/rediscover', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"depth":',
    });
    expect(bad.status).toBe(400);
    const wrong = await explorer.app.request('/api/classes/0/rediscover', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ depth: 99, minLeaf: 1, topFeatures: 5 }),
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toContain('depth');
  });
});
