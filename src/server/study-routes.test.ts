import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticRun, type SyntheticRun } from '../../test/e2e/synthetic-run.js';
import { createStudy, type CreatedStudy } from '../study/index.js';
import { createExplorer, type Explorer } from './serve.js';
import type { ClassResponse, FeatureResponse, StudyTaskResponse } from '../shared/api/explorer.js';

let dir: string;
let run: SyntheticRun;
let created: CreatedStudy;
let explorer: Explorer;

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function answerCount(): Promise<number> {
  const res = await explorer.app.request('/api/study/admin/results', {
    headers: { authorization: `Bearer ${created.adminToken.token}` },
  });
  return ((await res.json()) as { totals: { answers: number } }).totals.answers;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-study-routes-'));
  run = await buildSyntheticRun({ dir, classes: 4, samplesPerClass: 24, visuals: true });
  created = createStudy(run.runDir, {
    features: 'top-modes',
    workersPerTask: 2,
    annotators: 3,
    goldFraction: 0,
  });
  explorer = await createExplorer({ runDir: run.runDir, webRoot: null });
});

afterAll(() => {
  explorer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('study API', () => {
  it('gives an annotator a task with class examples and visuals, and stores the answer', async () => {
    const token = created.annotatorTokens[0].token;
    const page = (await (await explorer.app.request(`/api/study/task/${token}`)).json()) as StudyTaskResponse;
    expect(page.task).not.toBeNull();
    expect(page.examples.length).toBeGreaterThan(0);
    const res = await explorer.app.request(
      `/api/study/task/${token}/answers`,
      json({
        taskId: page.task!.taskId,
        main: 'background',
        confidence: 4,
        reasons: '<script>alert(1)</script>',
      }),
    );
    expect(res.status).toBe(201);
    // The same answer again is acknowledged once, not stored twice.
    const again = await explorer.app.request(
      `/api/study/task/${token}/answers`,
      json({
        taskId: page.task!.taskId,
        main: 'background',
        confidence: 4,
        reasons: '<script>alert(1)</script>',
      }),
    );
    expect(again.status).toBe(200);
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(await answerCount()).toBe(1);
    const answers = await explorer.app.request(`/api/study/admin/tasks/${page.task!.taskId}/answers`, {
      headers: { authorization: `Bearer ${created.adminToken.token}` },
    });
    const body = (await answers.json()) as { answers: { reasons: string }[] };
    expect(body.answers[0].reasons).toBe('<script>alert(1)</script>');
    expect(answers.headers.get('content-type')).toContain('application/json');
  });

  it('refuses malformed, oversized and wrong-token requests and changes nothing', async () => {
    const before = await answerCount();
    const token = created.annotatorTokens[1].token;
    const cases: [string, RequestInit, number][] = [
      [
        `/api/study/task/${'x'.repeat(43)}/answers`,
        json({ taskId: 1, main: 'background', confidence: 3, reasons: '' }),
        401,
      ],
      [
        `/api/study/task/${created.adminToken.token}/answers`,
        json({ taskId: 1, main: 'background', confidence: 3, reasons: '' }),
        403,
      ],
      [
        `/api/study/task/${token}/answers`,
        json({ taskId: 1, main: 'elsewhere', confidence: 3, reasons: '' }),
        400,
      ],
      [
        `/api/study/task/${token}/answers`,
        json({ taskId: 1, main: 'background', confidence: 9, reasons: '' }),
        400,
      ],
      [
        `/api/study/task/${token}/answers`,
        json({ taskId: 1, main: 'background', confidence: 3, reasons: 'x'.repeat(2001) }),
        400,
      ],
      [
        `/api/study/task/${token}/answers`,
        json({ taskId: 1, main: 'background', confidence: 3, reasons: '', extra: 1 }),
        400,
      ],
      [
        `/api/study/task/${token}/answers`,
        json({ taskId: 99999, main: 'background', confidence: 3, reasons: '' }),
        404,
      ],
      [
        `/api/study/task/${token}/answers`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' },
        400,
      ],
      [
        `/api/study/task/${token}/answers`,
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' },
        415,
      ],
      [
        `/api/study/task/${token}/answers`,
        json({ taskId: 1, main: 'background', confidence: 3, reasons: 'y'.repeat(100_000) }),
        413,
      ],
      ['/api/study/admin/results', {}, 401],
      ['/api/study/admin/results', { headers: { authorization: `Bearer ${token}` } }, 403],
      ['/api/study/admin/names', json({ feature: 1, name: 'x' }, { authorization: `Bearer ${token}` }), 403],
      [
        '/api/study/admin/names',
        json({ feature: 1, name: '' }, { authorization: `Bearer ${created.adminToken.token}` }),
        400,
      ],
    ];
    for (const [path, init, status] of cases) {
      const res = await explorer.app.request(path, init);
      const body = (await res.json()) as { error: string };
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(body.error.length).toBeGreaterThan(3);
    }
    expect(await answerCount()).toBe(before);
  });

  it('shows an accepted name in every rule and on the feature page', async () => {
    const feature = run.modeFeature(0);
    const res = await explorer.app.request(
      '/api/study/admin/names',
      json({ feature, name: 'jug handle' }, { authorization: `Bearer ${created.adminToken.token}` }),
    );
    expect(res.status).toBe(200);
    const cls = (await (await explorer.app.request('/api/classes/0')).json()) as ClassResponse;
    expect(cls.modes[0].rule).toBe(`predicted class_0 and feature ${feature} 'jug handle' > 0.5`);
    const page = (await (await explorer.app.request(`/api/features/${feature}`)).json()) as FeatureResponse;
    expect(page.name).toBe('jug handle');
    expect(page.rules[0].rule).toContain("'jug handle'");
    expect(page.study.length).toBeGreaterThan(0);
  });
});
