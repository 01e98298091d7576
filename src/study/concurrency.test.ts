/**
 * Several processes answering at once through the study API (each with its own SQLite connection, as several
 * server processes or a server plus a CLI import would): nothing lost, nothing duplicated, quotas respected.
 * And durability: an answer acknowledged by submitAnswer survives SIGKILL of the process right after.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveryResult } from '../discover/schema.js';
import { createStudy, Study } from './index.js';
import { emptyDir, FIXTURES } from '../../test/fixtures/study/run-fixture.js';

const CHILD = join(FIXTURES, 'annotate-child.ts');

interface Ack {
  token: string;
  taskId: number;
  answerId: number;
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A run whose discovery.json has `classes` classes x `perClass` selected features. */
function syntheticRun(classes: number, perClass: number): string {
  const { dir, cleanup } = emptyDir();
  cleanups.push(cleanup);
  const discovery = {
    format: 'faultline-discovery/1',
    createdAt: '2026-01-01T00:00:00.000Z',
    run: dir,
    options: { featureSet: 'robust' },
    groups: Array.from({ length: classes }, (_, c) => ({
      key: `pred-${c}`,
      classIndex: c,
      className: `class_${c}`,
      n: 10,
      failures: 5,
      baseErrorRate: 0.5,
      selectedFeatures: Array.from({ length: perClass }, (_, f) => ({ feature: 100 * c + f, score: 1 })),
      modes: [],
    })),
  } as unknown as DiscoveryResult;
  writeFileSync(join(dir, 'discovery.json'), JSON.stringify(discovery));
  return dir;
}

function startChild(runDir: string, perAnnotator: number, tokens: string[], onAck: (ack: Ack) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, runDir, String(perAnnotator), ...tokens], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  let done = false;
  lines.on('line', (line) => {
    if (line === 'done') done = true;
    else onAck(JSON.parse(line) as Ack);
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    done: boolean;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, done, stderr })));
  return { child, exited };
}

function storedAnswers(runDir: string) {
  const db = new Database(join(runDir, 'faultline.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return db.prepare('SELECT id, annotator_id, task_id FROM answers ORDER BY id').all() as {
      id: number;
      annotator_id: number;
      task_id: number;
    }[];
  } finally {
    db.close();
  }
}

describe('concurrent annotators', () => {
  it('20 annotators x 100 answers from 2 processes: none lost, none duplicated, quota per task kept', async () => {
    const dir = syntheticRun(100, 5); // 500 pairs x 5 workers = 2,500 slots for 2,000 answers
    const { annotatorTokens } = createStudy(dir, {
      features: 'top-per-class',
      annotators: 20,
      workersPerTask: 5,
      goldFraction: 0,
    });
    const tokens = annotatorTokens.map((t) => t.token);
    const acks: Ack[] = [];
    const children = [0, 1].map((i) =>
      startChild(dir, 100, tokens.slice(10 * i, 10 * i + 10), (ack) => acks.push(ack)),
    );
    const results = await Promise.all(children.map((c) => c.exited));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, done: true });

    expect(acks).toHaveLength(2000);
    const rows = storedAnswers(dir);
    expect(rows).toHaveLength(2000);
    const ids = new Set(rows.map((r) => r.id));
    for (const ack of acks) expect(ids.has(ack.answerId)).toBe(true);
    expect(new Set(rows.map((r) => `${r.annotator_id}:${r.task_id}`)).size).toBe(2000);
    const perTask = new Map<number, number>();
    for (const r of rows) perTask.set(r.task_id, (perTask.get(r.task_id) ?? 0) + 1);
    expect(Math.max(...perTask.values())).toBeLessThanOrEqual(5);
    const perAnnotator = new Map<number, number>();
    for (const r of rows) perAnnotator.set(r.annotator_id, (perAnnotator.get(r.annotator_id) ?? 0) + 1);
    expect([...perAnnotator.values()]).toEqual(Array(20).fill(100));

    const study = Study.open(dir);
    expect(study.results({ proposeNames: false }).totals.answers).toBe(2000);
    study.close();
  }, 180_000);
});

describe('durability', () => {
  it('keeps every acknowledged answer when the process is SIGKILLed mid-stream', async () => {
    const dir = syntheticRun(40, 5);
    const { annotatorTokens } = createStudy(dir, {
      features: 'top-per-class',
      annotators: 2,
      goldFraction: 0,
    });
    const acks: Ack[] = [];
    const started = startChild(dir, 200, [annotatorTokens[0].token, annotatorTokens[1].token], (ack) => {
      acks.push(ack);
      // kill right after an acknowledgement, while the child is already working on the next answer
      if (acks.length === 60) started.child.kill('SIGKILL');
    });
    const exit = await started.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.done).toBe(false);
    expect(acks.length).toBeGreaterThanOrEqual(60);

    const rows = storedAnswers(dir);
    const ids = new Set(rows.map((r) => r.id));
    for (const ack of acks) expect(ids.has(ack.answerId)).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(acks.length);
    expect(rows.length).toBeLessThanOrEqual(acks.length + 1); // at most the answer committed but not yet printed

    // the killed study reopens for writing and goes on
    const study = Study.open(dir);
    expect(
      study.submitAnswer(annotatorTokens[0].token, 200, { main: 'background', confidence: 3, reasons: '' }),
    ).toMatchObject({ duplicate: false });
    study.close();
  }, 120_000);
});
