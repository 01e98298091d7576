/**
 * Load and fault tests on loopback against a server child process:
 * - 20 concurrent annotators submit 2,000 answers through the real HTTP API; mid-load the server is SIGKILLed
 *   and restarted on the same port; annotators retry what was not acknowledged. Afterwards the database holds
 *   exactly 2,000 answers, none duplicated, and every acknowledged answer with its content.
 * - Malformed, oversized and wrong-token requests get 4xx with a message and change nothing.
 * - Raw (un-normalised) traversal paths never reach a file outside the roots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, LABELS, Study, type CreatedStudy } from '../../src/study/index.js';
import { buildSyntheticRun, type SyntheticRun } from '../e2e/synthetic-run.js';

const ANNOTATORS = 20;
const ANSWERS_EACH = 100;
const KILL_AFTER_ACKS = 700;
const REPO = new URL('../../', import.meta.url).pathname;

let dir: string;
let run: SyntheticRun;
let created: CreatedStudy;
let port: number;
let child: ChildProcess | null = null;
let taskIds: number[];
let base: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.once('error', reject);
  });
}

function startChild(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // node itself with the tsx loader, not the tsx wrapper: SIGKILL must hit the process holding the database.
    const args = ['--import', 'tsx', 'test/load/server-child.ts', run.runDir, String(port)];
    const proc = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`server child exited early (${code})`)));
  });
}

function kill(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What annotator a answers on task t: deterministic, so the database can be checked against it. */
function answerFor(a: number, taskId: number) {
  return {
    taskId,
    main: LABELS[(a + taskId) % 3],
    confidence: 1 + ((a * 7 + taskId) % 5),
    reasons: `annotator ${a} task ${taskId} <b>&</b>`,
  };
}

/** Retries network failures (server down or restarting) until it answers; HTTP errors are returned. */
async function call(path: string, init?: RequestInit): Promise<Response> {
  for (;;) {
    try {
      return await fetch(`${base}${path}`, init);
    } catch {
      await sleep(50);
    }
  }
}

/** Raw HTTP/1.1 request: the path goes out exactly as written (fetch would normalise ../). */
function raw(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-load-'));
  run = await buildSyntheticRun({ dir, classes: ANSWERS_EACH, samplesPerClass: 12, distinctImages: 4 });
  created = createStudy(run.runDir, {
    features: 'top-modes',
    workersPerTask: ANNOTATORS,
    annotators: ANNOTATORS,
    goldFraction: 0,
  });
  expect(created.tasks).toBe(ANSWERS_EACH);
  const study = Study.open(run.runDir);
  taskIds = study.tasks().map((t) => t.taskId);
  study.close();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = await startChild();
});

afterAll(async () => {
  if (child) await kill(child);
  rmSync(dir, { recursive: true, force: true });
});

describe('study under load, with a crash', () => {
  it(
    '20 annotators x 100 answers: SIGKILL mid-load loses and duplicates nothing',
    { timeout: 110_000 },
    async () => {
      const acks: { annotator: number; taskId: number; answerId: number }[] = [];
      let killed = false;
      let restart: Promise<void> | null = null;
      const started = Date.now();

      // Each annotator opens its page once (the assignment path), then submits every task in its own rotated
      // order, the way a crowd spreads over a study; a request cut off by the crash is retried until acknowledged.
      const annotator = async (a: number) => {
        const token = created.annotatorTokens[a].token;
        const first = await call(`/api/study/task/${token}`);
        expect(first.status).toBe(200);
        for (let k = 0; k < taskIds.length; k++) {
          const taskId = taskIds[(k + a * 5) % taskIds.length];
          const res = await call(`/api/study/task/${token}/answers`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(answerFor(a, taskId)),
          });
          expect([200, 201]).toContain(res.status);
          const ack = (await res.json()) as { answerId: number; taskId: number };
          acks.push({ annotator: a, taskId: ack.taskId, answerId: ack.answerId });
          if (!killed && acks.length >= KILL_AFTER_ACKS) {
            killed = true;
            restart = (async () => {
              await kill(child!);
              child = await startChild();
            })();
          }
        }
      };
      await Promise.all(Array.from({ length: ANNOTATORS }, (_, a) => annotator(a)));
      await restart;
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `${acks.length} acknowledged answers from ${ANNOTATORS} annotators in ${seconds.toFixed(1)} s ` +
          `(${(acks.length / seconds).toFixed(0)} answers/s), server SIGKILLed after ${KILL_AFTER_ACKS}`,
      );
      expect(killed).toBe(true);

      const study = Study.open(run.runDir);
      try {
        const stored = study.answers();
        expect(stored).toHaveLength(ANNOTATORS * ANSWERS_EACH);
        const byKey = new Map(stored.map((s) => [`${s.annotatorId}/${s.taskId}`, s]));
        expect(byKey.size).toBe(stored.length);
        const idOf = new Map(created.annotatorTokens.map((t, a) => [a, t.annotatorId]));
        for (const ack of acks) {
          const row = byKey.get(`${idOf.get(ack.annotator)}/${ack.taskId}`);
          expect(row).toBeDefined();
          expect(row!.answerId).toBe(ack.answerId);
          const want = answerFor(ack.annotator, ack.taskId);
          expect({ main: row!.main, confidence: row!.confidence, reasons: row!.reasons }).toEqual({
            main: want.main,
            confidence: want.confidence,
            reasons: want.reasons,
          });
        }
        for (let a = 0; a < ANNOTATORS; a++) {
          expect(stored.filter((s) => s.annotatorId === idOf.get(a))).toHaveLength(ANSWERS_EACH);
        }
      } finally {
        study.close();
      }
    },
  );

  it('refuses malformed, oversized and wrong-token requests with 4xx and changes nothing', async () => {
    const count = async () => {
      const s = Study.open(run.runDir);
      try {
        return s.answers().length;
      } finally {
        s.close();
      }
    };
    const before = await count();
    const token = created.annotatorTokens[0].token;
    const post = (path: string, body: string, type = 'application/json') =>
      call(path, { method: 'POST', headers: { 'content-type': type }, body });
    const cases: [Promise<Response>, number][] = [
      [post(`/api/study/task/${token}/answers`, '{"taskId": 1, "main": '), 400],
      [post(`/api/study/task/${token}/answers`, JSON.stringify({ ...answerFor(0, 1), confidence: 0 })), 400],
      [post(`/api/study/task/${token}/answers`, JSON.stringify({ ...answerFor(0, 1), main: 'sky' })), 400],
      [
        post(
          `/api/study/task/${token}/answers`,
          JSON.stringify({ ...answerFor(0, 1), reasons: 'x'.repeat(1e6) }),
        ),
        413,
      ],
      [post(`/api/study/task/${token}/answers`, 'main=background', 'application/x-www-form-urlencoded'), 415],
      [post(`/api/study/task/${'A'.repeat(43)}/answers`, JSON.stringify(answerFor(0, 1))), 401],
      [post(`/api/study/task/${created.adminToken.token}/answers`, JSON.stringify(answerFor(0, 1))), 403],
      [
        post(
          `/api/study/task/${token}/answers`,
          JSON.stringify({ ...answerFor(0, 1), confidence: 5, main: 'background' }),
        ),
        409,
      ],
      [call('/api/study/admin/results'), 401],
      [call('/api/study/admin/results', { headers: { authorization: `Bearer ${token}` } }), 403],
    ];
    for (const [pending, status] of cases) {
      const res = await pending;
      const body = (await res.json()) as { error: string };
      expect(res.status).toBe(status);
      expect(body.error).toMatch(/\w{3}/);
    }
    expect(await count()).toBe(before);
  });

  it('never serves a file outside the roots, whatever the path spelling', async () => {
    const secret = readFileSync(join(run.runDir, 'run.json'), 'utf8').slice(0, 40);
    const paths = [
      '/api/visuals/pred-0/7/../../../run.json',
      '/api/visuals/pred-0/7/..%2f..%2f..%2frun.json',
      '/api/visuals/pred-0/7/%2e%2e%2f%2e%2e%2frun.json',
      '/api/visuals/../../run.json',
      '/api/images/../../run.json',
      '/api/images/by-id?id=../run.json',
      '/api/images/by-id?id=/etc/passwd',
      '/api/visuals/pred-0/7//etc/passwd',
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
    ];
    for (const path of paths) {
      const res = await raw(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain(secret);
      expect(res.body, path).not.toContain('root:');
    }
  });
});
