import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from './database.js';
import { MIGRATIONS } from './migrations.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('creates the run directory and database only when asked', () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-db-'));
    const runDir = join(dir, 'a', 'b');
    expect(() => openDatabase(runDir)).toThrow(/no study database/);
    const db = openDatabase(runDir, { create: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() =>
      db
        .prepare(
          "INSERT INTO tasks (study_id, feature_set, class_index, feature_index, feature_rank, source) VALUES (9, 'r', 1, 1, 1, 'x')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('migrates a version-1 database and refuses a newer one', () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-db-'));
    const old = new Database(databasePath(dir));
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.exec(`INSERT INTO studies VALUES (1, 't', 'import', 'robust', 5, 0, 0.6, 3);
      INSERT INTO annotators VALUES (1, 1, x'01', 'w1', 0, 0, 't'), (2, 1, x'02', 'w2', 0, 1, 't');
      INSERT INTO tasks VALUES (1, 1, 'robust', 0, NULL, NULL, 7, 1, NULL, 'import');
      INSERT INTO answers VALUES (1, 1, 1, 'main_object', 3, '', 't', 'import'), (2, 2, 1, 'background', 3, '', 't', 'import');`);
    old.close();
    const db = openDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT answers_counted FROM tasks').pluck().get()).toBe(1); // the flagged w2 is not counted
    db.pragma('user_version = 99');
    db.close();
    expect(() => openDatabase(dir)).toThrow(/schema version 99 is newer/);
  });
});
