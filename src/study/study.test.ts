import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStudy, getFeatureNames, Study, StudyError, type Label } from './index.js';
import { fixtureRun, GOOD } from '../../test/fixtures/study/run-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function run() {
  const r = fixtureRun();
  cleanups.push(r.cleanup);
  return r.dir;
}
function open(dir: string, options = {}) {
  const study = Study.open(dir, options);
  cleanups.unshift(() => study.close());
  return study;
}
function expectStudyError(fn: () => unknown, status: number, message?: RegExp): StudyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StudyError);
    const e = error as StudyError;
    expect(e.status).toBe(status);
    if (message) expect(e.message).toMatch(message);
    return e;
  }
  throw new Error('expected a StudyError');
}

describe('createStudy', () => {
  it('takes the features of the failure modes (top-modes), deduplicated, per class', () => {
    const dir = run();
    const created = createStudy(dir, { features: 'top-modes' });
    expect(created.tasks).toBe(4);
    expect(created.goldTasks).toBe(0);
    const study = open(dir);
    expect(study.tasks().map((t) => [t.className, t.featureIndex, t.featureRank, t.wnid])).toEqual([
      ['water_jug', 1378, 1, 'n04560804'],
      ['water_jug', 12, 2, 'n04560804'],
      ['water_jug', 400, 3, 'n04560804'],
      ['cassette_player', 3, 1, 'n02979186'],
    ]);
  });

  it('takes the top selected features per class (top-per-class) up to featuresPerClass', () => {
    const dir = run();
    const created = createStudy(dir, { features: 'top-per-class', featuresPerClass: 2, workersPerTask: 3 });
    expect(created.tasks).toBe(6);
    expect(created.study.workersPerTask).toBe(3);
    expect(created.annotatorTokens).toHaveLength(3);
  });

  it('issues unguessable distinct tokens, stores only their hashes, and sets up a durable WAL database', () => {
    const dir = run();
    const created = createStudy(dir, { features: 'top-modes', annotators: 4 });
    const tokens = [...created.annotatorTokens.map((t) => t.token), created.adminToken.token];
    expect(new Set(tokens).size).toBe(5);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes = 256 bits
    expect(created.adminToken.isAdmin).toBe(true);

    const db = new Database(join(dir, 'faultline.db'));
    const raw = db.prepare('SELECT * FROM annotators').all() as Record<string, unknown>[];
    expect(JSON.stringify(raw)).not.toContain(tokens[0]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
    const study = open(dir);
    const conn = (study as unknown as { db: Database.Database }).db;
    expect(conn.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(conn.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('refuses a second study, bad options and a run without discovery.json', () => {
    const dir = run();
    createStudy(dir, { features: 'top-modes' });
    expectStudyError(() => createStudy(dir, { features: 'top-modes' }), 409, /already holds a study/);
    expectStudyError(
      () => createStudy(run(), { features: 'everything' as 'top-modes', workersPerTask: 0 }),
      400,
      /features: .*workersPerTask/,
    );
    const bare = run();
    writeFileSync(join(bare, 'discovery.json'), '{"format":"other"}');
    expect(() => createStudy(bare, { features: 'top-modes' })).toThrow(/unsupported format/);
  });
});

describe('annotating', () => {
  it('authenticates tokens and separates roles', () => {
    const dir = run();
    const { annotatorTokens, adminToken } = createStudy(dir, { features: 'top-modes' });
    const study = open(dir);
    expect(study.authenticate(annotatorTokens[0].token).role).toBe('annotator');
    expect(study.requireAdmin(adminToken.token).role).toBe('admin');
    expectStudyError(() => study.authenticate('x'.repeat(43)), 401, /Unknown/);
    expectStudyError(() => study.authenticate(''), 401, /Missing or malformed/);
    expectStudyError(() => study.authenticate(undefined), 401);
    expectStudyError(() => study.authenticate('../../etc/passwd'), 401);
    expectStudyError(() => study.requireAdmin(annotatorTokens[0].token), 403);
    expectStudyError(() => study.submitAnswer(adminToken.token, 1, GOOD), 403);
    expectStudyError(() => study.nextTask(adminToken.token), 403);
  });

  it('serves the same task until answered, then the next; respects the quota per task', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, {
      features: 'top-modes',
      workersPerTask: 2,
      annotators: 3,
    });
    const study = open(dir);
    const first = study.nextTask(t[0].token).task!;
    expect(first.taskId).toBe(1);
    expect(first).not.toHaveProperty('goldAnswer');
    expect(study.nextTask(t[0].token).task!.taskId).toBe(1); // reload
    expect(study.nextTask(t[1].token).task!.taskId).toBe(1);
    // task 1 has two live assignments = its quota: the third annotator gets task 2
    expect(study.nextTask(t[2].token).task!.taskId).toBe(2);
    study.submitAnswer(t[0].token, 1, GOOD);
    expect(study.nextTask(t[0].token)).toMatchObject({ task: { taskId: 2 }, answered: 1 });
  });

  it('releases expired assignments and ends with task null', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, {
      features: 'top-modes',
      workersPerTask: 1,
      annotators: 2,
    });
    let now = 1_000_000;
    const study = open(dir, { now: () => now, assignmentTtlMs: 1000 });
    expect(study.nextTask(t[0].token).task!.taskId).toBe(1);
    expect(study.nextTask(t[1].token).task!.taskId).toBe(2);
    now += 5000; // both assignments expired, but each annotator still sees their own open task
    expect(study.nextTask(t[0].token).task!.taskId).toBe(1);
    for (const id of [1, 2, 3, 4]) study.submitAnswer(t[0].token, id, GOOD);
    expect(study.nextTask(t[0].token)).toEqual({ task: null, answered: 4 });
    expect(study.nextTask(t[1].token).task!.taskId).toBe(2); // its own assignment, though the quota is met
  });

  it('rejects malformed answers with 400 naming the field, and stores nothing', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, { features: 'top-modes' });
    const study = open(dir);
    const token = t[0].token;
    const bad: [unknown, unknown, RegExp][] = [
      [1, { ...GOOD, main: 'foreground' }, /main/],
      [1, { ...GOOD, confidence: 0 }, /confidence/],
      [1, { ...GOOD, confidence: 6 }, /confidence/],
      [1, { ...GOOD, confidence: 2.5 }, /confidence/],
      [1, { ...GOOD, confidence: '3' }, /confidence/],
      [1, { ...GOOD, reasons: 'x'.repeat(2001) }, /reasons/],
      [1, { ...GOOD, reasons: 7 }, /reasons/],
      [1, { main: 'background' }, /confidence.*reasons|reasons.*confidence/],
      [1, { ...GOOD, admin: true }, /admin/],
      [1, null, /root/],
      [1, 'main_object', /root/],
      [0, GOOD, /task id/],
      [-3, GOOD, /task id/],
      ['1; DROP TABLE answers', GOOD, /task id/],
      [1.5, GOOD, /task id/],
    ];
    for (const [taskId, body, message] of bad) {
      const e = expectStudyError(() => study.submitAnswer(token, taskId, body), 400, message);
      expect(e.code).toBe('invalid-input');
    }
    expectStudyError(() => study.submitAnswer(token, 999, GOOD), 404, /No task 999/);
    expect(study.answers()).toHaveLength(0);
    // exactly 2000 characters is fine, "7" as a string task id too (path parameters)
    expect(study.submitAnswer(token, '1', { ...GOOD, reasons: 'y'.repeat(2000) }).duplicate).toBe(false);
  });

  it('makes a duplicate submit idempotent (one row) and refuses a different second answer with 409', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, { features: 'top-modes' });
    const study = open(dir);
    const first = study.submitAnswer(t[0].token, 2, GOOD);
    const again = study.submitAnswer(t[0].token, 2, { ...GOOD });
    expect(again).toEqual({ ...first, duplicate: true });
    expectStudyError(() => study.submitAnswer(t[0].token, 2, { ...GOOD, main: 'background' }), 409);
    expect(study.answers()).toHaveLength(1);
    expect(study.answers()[0].main).toBe('main_object');
    // another annotator may answer the same task
    expect(study.submitAnswer(t[1].token, 2, GOOD).duplicate).toBe(false);
    expect(study.answersForTask(2)).toHaveLength(2);
  });

  it('keeps free text exactly as typed (HTML included); rendering it safely is the caller’s job', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, { features: 'top-modes' });
    const study = open(dir);
    const reasons = '<img src=x onerror=alert(1)> "quoted", ünïcode\nsecond line';
    study.submitAnswer(t[0].token, 1, { ...GOOD, reasons });
    expect(study.answersForTask(1)[0].reasons).toBe(reasons);
  });
});

describe('gold tasks and quality control', () => {
  const answer = (main: Label) => ({ main, confidence: 4, reasons: 'because' });

  it('flags an annotator below 60% on >= 3 gold answers and excludes them from the aggregate', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, {
      features: 'top-per-class',
      workersPerTask: 3,
      annotators: 4,
      goldFraction: 0.25,
    });
    const study = open(dir);
    const tasks = study.tasks();
    // the church pairs become gold tasks with known answers
    const gold = tasks.filter((x) => x.className === 'church').slice(0, 3);
    const known: Label[] = ['main_object', 'background', 'separate_object'];
    gold.forEach((g, i) => study.setGold(g.taskId, known[i]));

    // gold is served first (0 gold answers < 0.25 x 1), and never revealed as gold
    const served = study.nextTask(t[3].token).task!;
    expect(gold.map((g) => g.taskId)).toContain(served.taskId);

    const [good1, good2, good3, bad] = t.map((x) => x.token);
    for (const [i, g] of gold.entries()) {
      for (const token of [good1, good2, good3]) study.submitAnswer(token, g.taskId, answer(known[i]));
      // bad: right once, wrong twice -> 1/3 = 33% < 60%
      study.submitAnswer(bad, g.taskId, answer(i === 0 ? known[0] : 'main_object'));
      if (i < 2) expect(study.annotators().find((a) => a.id === t[3].annotatorId)!.flagged).toBe(false);
    }
    expect(study.annotators().find((a) => a.id === t[3].annotatorId)!.flagged).toBe(true);

    const target = tasks.find((x) => x.featureIndex === 1378 && x.className === 'water_jug')!;
    for (const token of [good1, good2]) study.submitAnswer(token, target.taskId, answer('main_object'));
    study.submitAnswer(bad, target.taskId, answer('background'));
    study.submitAnswer(good3, target.taskId, answer('separate_object'));

    const results = study.results();
    expect(results.totals.flaggedAnnotators).toBe(1);
    expect(results.totals.excludedAnswers).toBe(1); // bad's ordinary answer (gold answers are not pairs)
    expect(
      results.pairs.some((p) => p.className === 'church' && gold.some((g) => g.taskId === p.taskId)),
    ).toBe(false);
    const pair = results.pairs.find((p) => p.taskId === target.taskId)!;
    expect(pair.counts).toEqual({ main_object: 2, separate_object: 1, background: 0 });
    expect(pair.verdict).toBe('core');
    const q = results.annotators.find((a) => a.annotatorId === t[3].annotatorId)!;
    expect(q).toMatchObject({ goldAnswers: 3, goldCorrect: 1, flagged: true });
    expect(q.goldAccuracy).toBeCloseTo(1 / 3);

    // the flagged annotator's answer does not fill a quota: a pair with 2 good + 1 flagged answers still needs one
    const open2 = tasks.find((x) => x.featureIndex === 12 && x.className === 'water_jug')!;
    for (const token of [good1, good2, bad]) study.submitAnswer(token, open2.taskId, answer('main_object'));
    const fresh = study.addAnnotators(1)[0].token;
    gold.forEach((g, i) => study.submitAnswer(fresh, g.taskId, answer(known[i])));
    expect(study.nextTask(fresh).task!.taskId).toBe(open2.taskId);

    // un-marking gold re-checks every flag
    for (const g of gold) study.setGold(g.taskId, null);
    expect(study.annotators().every((a) => !a.flagged)).toBe(true);
  });

  it('takes balanced gold tasks from earlier unanimous crowd answers (goldFrom)', () => {
    const dir = run();
    const csv = join(dir, 'earlier.csv');
    const header =
      'WorkerId,Input.wordnet_id,Input.class_index,Input.feature_index,Input.feature_rank,Answer.main,Answer.confidence,Answer.reasons\n';
    const rows: string[] = [];
    const pairs: [number, number, Label][] = [
      [1, 10, 'main_object'],
      [1, 11, 'main_object'],
      [2, 20, 'background'],
      [3, 30, 'separate_object'],
    ];
    for (const [c, f, label] of pairs)
      for (const w of ['a', 'b', 'c']) rows.push(`${w},,${c},${f},1,${label},5.0,x`);
    rows.push('a,,4,40,1,main_object,5.0,x', 'b,,4,40,1,background,5.0,x', 'c,,4,40,1,main_object,5.0,x'); // not unanimous
    writeFileSync(csv, header + rows.join('\n') + '\n');
    const created = createStudy(dir, { features: 'top-modes', goldFrom: csv, goldCount: 3 });
    expect(created.goldTasks).toBe(3);
    const study = open(dir);
    const gold = study.tasks().filter((x) => x.goldAnswer);
    expect(gold.map((g) => [g.classIndex, g.featureIndex, g.goldAnswer, g.source])).toEqual([
      [1, 10, 'main_object', 'gold'],
      [3, 30, 'separate_object', 'gold'],
      [2, 20, 'background', 'gold'],
    ]);
  });
});

describe('results and names', () => {
  it('aggregates majority, verdict, unanimity, confidence, kappa and proposes names that the owner accepts', () => {
    const dir = run();
    const { annotatorTokens: t } = createStudy(dir, { features: 'top-modes', goldFraction: 0 });
    const study = open(dir);
    const texts = ['the jug handle', 'curved handle on the side', 'handle', 'a handle', 'spout'];
    t.forEach((a, i) =>
      study.submitAnswer(a.token, 1, { main: 'main_object', confidence: i + 1, reasons: texts[i] }),
    );
    const labels: Label[] = ['background', 'background', 'separate_object', 'main_object', 'main_object'];
    // 2 background (confidence 5 each) vs 2 main (3 each): the tie goes to the higher summed confidence
    t.forEach((a, i) =>
      study.submitAnswer(a.token, 2, { main: labels[i], confidence: i < 2 ? 5 : 3, reasons: 'wooden table' }),
    );

    const r = study.results();
    const [p1, p2, p3] = r.pairs;
    expect(p1).toMatchObject({
      answers: 5,
      complete: true,
      majority: 'main_object',
      verdict: 'core',
      unanimous: true,
      meanConfidence: 3,
      confidence: [1, 1, 1, 1, 1],
    });
    expect(p1.proposedNames[0]).toEqual({ name: 'handle', answers: 4 });
    expect(p2).toMatchObject({ majority: 'background', verdict: 'spurious', unanimous: false });
    expect(p2.proposedNames[0]).toEqual({ name: 'wooden table', answers: 5 });
    expect(p3).toMatchObject({ answers: 0, verdict: 'pending', majority: null, complete: false });
    expect(r.totals).toMatchObject({
      pairs: 4,
      answeredPairs: 2,
      completePairs: 2,
      answers: 10,
      unanimousPairs: 1,
      unanimousShare: 0.5,
      spuriousPairs: 1,
      corePairs: 1,
      counts: { main_object: 7, separate_object: 1, background: 2 },
    });
    expect(r.totals.fleissKappa).not.toBeNull();

    expect(getFeatureNames(dir).describe(1378)).toBe('feature 1378');
    expect(study.acceptName('robust', 1378, '  jug handle ')).toBe('jug handle');
    expectStudyError(() => study.acceptName('robust', 1378, ''), 400);
    expectStudyError(() => study.acceptName('robust', 1378, 'a\u0000b'), 400);
    expect(study.results().pairs[0].acceptedName).toBe('jug handle');
    const names = getFeatureNames(dir);
    expect(names.describe(1378)).toBe("feature 1378 'jug handle'");
    expect(names.get(1378)).toBe('jug handle');
    expect(names.get(1378, 'other-set')).toBeUndefined();
    expect(names.list()).toMatchObject([{ featureSet: 'robust', featureIndex: 1378, acceptedBy: 'owner' }]);

    const forFeature = study.results({ featureIndex: 12 });
    expect(forFeature.pairs.map((p) => p.featureIndex)).toEqual([12]);
    expect(forFeature.totals.answers).toBe(5);

    expect(study.removeName('robust', 1378)).toBe(true);
    expect(getFeatureNames(dir).describe(1378)).toBe('feature 1378');
  });

  it('reads no names (and creates nothing) for a run without a study', () => {
    const dir = run();
    expect(getFeatureNames(dir).describe(5)).toBe('feature 5');
    expect(existsSync(join(dir, 'faultline.db'))).toBe(false);
    expectStudyError(() => Study.open(dir), 404);
  });
});
