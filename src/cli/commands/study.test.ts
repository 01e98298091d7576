import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyDir, fixtureRun, FIXTURES } from '../../../test/fixtures/study/run-fixture.js';
import { register, studyLinks } from './study.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
  vi.restoreAllMocks();
});

async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'faultline', 'study', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('faultline study', () => {
  it('create prints annotator links and an admin link under --base-url', async () => {
    const { dir, cleanup } = fixtureRun();
    cleanups.push(cleanup);
    const out = await cli(
      'create',
      dir,
      '--features',
      'top-modes',
      '--workers-per-task',
      '3',
      '--base-url',
      'http://h:9/',
    );
    expect(out).toMatch(/study created: 4 pairs, 0 gold tasks, 3 workers per pair/);
    expect(out.match(/http:\/\/h:9\/study\/[A-Za-z0-9_-]{43}\n/g)).toHaveLength(3);
    expect(out).toMatch(/http:\/\/h:9\/admin#[A-Za-z0-9_-]{43}\n/);
    const more = await cli('links', dir, '--add', '2');
    expect(more.match(/http:\/\/127\.0\.0\.1:4173\/study\//g)).toHaveLength(2);
    await expect(cli('create', dir, '--features', 'all')).rejects.toThrow(
      /Expected "top-modes" or "top-per-class"/,
    );
  });

  it('import -> results -> name -> export on a directory that did not exist', async () => {
    const { dir: parent, cleanup } = emptyDir();
    cleanups.push(cleanup);
    const dir = join(parent, 'imported');
    const csv = join(FIXTURES, 'answers.csv');
    expect(await cli('import', dir, csv)).toMatch(
      /9 rows: 9 answers added, 0 already stored, 0 conflicting; 3 new pairs/,
    );
    expect(await cli('name', dir, '12', 'kitchen table')).toBe("feature 12 'kitchen table'\n");
    const text = await cli('results', dir);
    expect(text).toMatch(/3 pairs, 3 answered, 3 complete/);
    expect(text).toMatch(/spurious pairs \(separate \+ background > half of the answers\): 1; core: 2/);
    expect(text).toMatch(/class 899, feature 12 'kitchen table': 0\/1\/2; table \(3\)/);
    const json = JSON.parse(await cli('results', dir, '--json')) as { totals: { answers: number } };
    expect(json.totals.answers).toBe(9);
    const out = join(parent, 'out.csv');
    expect(await cli('export', dir, '--out', out)).toBe(`9 answers written to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(csv, 'utf8'));
    expect(await cli('gold', dir, '3', 'main_object')).toMatch(
      /task 3 \(class 482, feature 3\): gold, answer main_object/,
    );
  });

  it('builds links without doubled slashes', () => {
    expect(studyLinks('http://x/', [{ annotatorId: 1, token: 't', isAdmin: false }])).toEqual([
      'http://x/study/t',
    ]);
  });
});
