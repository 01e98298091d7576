import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStudy, exportStudyCsv, importStudyCsv, Study } from './index.js';
import { emptyDir, fixtureRun, FIXTURES, GOOD } from '../../test/fixtures/study/run-fixture.js';

const MTURK = join(FIXTURES, '../../../../shared/data/salient-imagenet-mturk/discover_spurious_features.csv');
const IMAGENET_CLASSES = join(FIXTURES, '../../../../shared/data/imagenet-labels/imagenet_class_index.json');
const FIXTURE_CSV = join(FIXTURES, 'answers.csv');

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function tmp() {
  const d = emptyDir();
  cleanups.push(d.cleanup);
  return d.dir;
}
function answerTuples(dir: string) {
  const study = Study.open(dir);
  try {
    const tasks = new Map(study.tasks().map((t) => [t.taskId, t]));
    return study
      .answers()
      .map((a) => [
        a.workerId,
        tasks.get(a.taskId)!.classIndex,
        tasks.get(a.taskId)!.featureIndex,
        a.main,
        a.confidence,
        a.reasons,
      ]);
  } finally {
    study.close();
  }
}

describe('import / export (fixture CSV)', () => {
  it('creates the directory, database and an import-only study, keeping every awkward field exactly', () => {
    const dir = join(tmp(), 'new', 'run');
    const summary = importStudyCsv(dir, FIXTURE_CSV);
    expect(summary).toEqual({
      rows: 9,
      answersAdded: 9,
      duplicates: 0,
      conflicts: [],
      tasksAdded: 3,
      annotatorsAdded: 3,
      createdStudy: true,
    });
    expect(existsSync(join(dir, 'faultline.db'))).toBe(true);
    const study = Study.open(dir);
    expect(study.info).toMatchObject({ featureSelection: 'import', featureSet: 'robust', workersPerTask: 3 });
    const reasons = study.answers().map((a) => a.reasons);
    expect(reasons).toContain('a "handle" maybe');
    expect(reasons).toContain('kitchen table\nunder the jug');
    expect(reasons).toContain('');
    expect(reasons).toContain('<script>alert(1)</script> buttons');
    study.close();
  });

  it('round-trips: import -> export is byte-identical, and export -> import -> export too', () => {
    const a = tmp();
    importStudyCsv(a, FIXTURE_CSV);
    const out1 = join(a, 'out.csv');
    expect(exportStudyCsv(a, out1)).toBe(9);
    expect(readFileSync(out1, 'utf8')).toBe(readFileSync(FIXTURE_CSV, 'utf8'));
    const b = tmp();
    importStudyCsv(b, out1);
    const out2 = join(b, 'out.csv');
    exportStudyCsv(b, out2);
    expect(readFileSync(out2, 'utf8')).toBe(readFileSync(out1, 'utf8'));
    expect(answerTuples(b)).toEqual(answerTuples(a));
  });

  it('round-trips answers collected through the API', () => {
    const { dir, cleanup } = fixtureRun();
    cleanups.push(cleanup);
    const { annotatorTokens: t } = createStudy(dir, { features: 'top-modes', goldFraction: 0 });
    const study = Study.open(dir);
    study.submitAnswer(t[0].token, 1, { ...GOOD, reasons: 'handle, "curved"\nline 2' });
    study.submitAnswer(t[1].token, 1, { main: 'background', confidence: 2, reasons: '' });
    study.submitAnswer(t[1].token, 4, GOOD);
    study.close();
    const out = join(dir, 'export.csv');
    exportStudyCsv(dir, out);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[1]).toMatch(
      /^annotator-\d+,n04560804,899,1378,1,main_object,4\.0,"handle, ""curved""$/,
    );
    const copy = tmp();
    importStudyCsv(copy, out);
    expect(answerTuples(copy)).toEqual(answerTuples(dir));
    // importing its own export again changes nothing
    expect(importStudyCsv(dir, out)).toMatchObject({ answersAdded: 0, duplicates: 3, tasksAdded: 0 });
  });

  it('reports conflicting re-imports and rejects malformed rows naming file and line', () => {
    const dir = tmp();
    importStudyCsv(dir, FIXTURE_CSV);
    const changed = join(dir, 'changed.csv');
    writeFileSync(
      changed,
      readFileSync(FIXTURE_CSV, 'utf8').replace(
        'w1,n04560804,899,1378,1,main_object',
        'w1,n04560804,899,1378,1,background',
      ),
    );
    const summary = importStudyCsv(dir, changed);
    expect(summary).toMatchObject({ answersAdded: 0, duplicates: 8 });
    expect(summary.conflicts).toEqual([{ line: 2, workerId: 'w1', classIndex: 899, featureIndex: 1378 }]);

    const header = readFileSync(FIXTURE_CSV, 'utf8').split('\n')[0];
    const cases: [string, RegExp][] = [
      ['w1,n1,1,2,1,foreground,4.0,x', /bad\.csv:2: Answer\.main must be one of/],
      ['w1,n1,1,2,1,main_object,6.0,x', /bad\.csv:2: Answer\.confidence must be an integer 1-5/],
      ['w1,n1,x,2,1,main_object,4.0,x', /bad\.csv:2: Input\.class_index must be an integer/],
      [',n1,1,2,1,main_object,4.0,x', /bad\.csv:2: WorkerId is empty/],
    ];
    for (const [row, message] of cases) {
      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, `${header}\n${row}\n`);
      expect(() => importStudyCsv(tmp(), bad)).toThrow(message);
    }
    const noColumns = join(dir, 'cols.csv');
    writeFileSync(noColumns, 'WorkerId,Answer.main\n1,main_object\n');
    expect(() => importStudyCsv(tmp(), noColumns)).toThrow(/missing column\(s\) Input\.wordnet_id/);
    expect(() => importStudyCsv(tmp(), join(dir, 'absent.csv'))).toThrow(
      /absent\.csv: cannot read \(ENOENT\)/,
    );
    expect(() => exportStudyCsv(dir, join(dir, 'no', 'such', 'dir.csv'))).toThrow(/dir\.csv: cannot write/);
  });
});

describe.skipIf(!existsSync(MTURK))('import of the published Salient ImageNet crowd study', () => {
  it('reproduces 5,000 pairs, 25,000 answers, 86.1/7.5/6.4%, 76.6% unanimous, 630 spurious; export is identical', () => {
    const dir = tmp();
    const summary = importStudyCsv(dir, MTURK, {
      classNames: existsSync(IMAGENET_CLASSES) ? IMAGENET_CLASSES : undefined,
    });
    expect(summary).toMatchObject({
      rows: 25_000,
      answersAdded: 25_000,
      tasksAdded: 5000,
      annotatorsAdded: 265,
    });
    const study = Study.open(dir);
    const { totals, pairs } = study.results({ proposeNames: false });
    expect(totals.pairs).toBe(5000);
    expect(totals.answers).toBe(25_000);
    expect((100 * totals.shares.main_object).toFixed(1)).toBe('86.1');
    expect((100 * totals.shares.separate_object).toFixed(1)).toBe('7.5');
    expect((100 * totals.shares.background).toFixed(1)).toBe('6.4');
    expect((100 * totals.unanimousShare).toFixed(1)).toBe('76.6');
    expect(totals.unanimousPairs).toBe(3828);
    expect(totals.spuriousPairs).toBe(630);
    expect(totals.confidence).toEqual([114, 830, 2547, 10572, 10937]);
    expect(totals.fleissKappa!).toBeCloseTo(0.5119, 4);
    expect(pairs.every((p) => p.answers === 5 && p.complete)).toBe(true);
    study.close();

    const out = join(dir, 'export.csv');
    expect(exportStudyCsv(dir, out)).toBe(25_000);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(MTURK, 'utf8'));
  });
});
