/**
 * The one SQLite adapter: opens <run>/faultline.db with the settings every caller relies on and brings its schema
 * up to date. WAL lets the server read while a writer commits; synchronous=FULL makes a commit durable (fsynced to
 * the WAL) before the statement returns, so an answer acknowledged to an annotator survives a crash or SIGKILL.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { databasePath, RUN_FILES } from '../../run/format.js';
import { FaultlineError } from '../../shared/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** File name of the database inside a run directory (the run directory's contract: run/format.ts). */
export const DATABASE_FILE = RUN_FILES.database;
export { databasePath };

export interface OpenDatabaseOptions {
  /** Create the run directory and the database when absent (default false: a missing database is an error). */
  create?: boolean;
  /** Open read-only (no migrations are applied; the schema must be current or older-compatible). */
  readonly?: boolean;
  /** How long a writer waits for another process's lock before failing, in ms (default 10000). */
  busyTimeoutMs?: number;
}

/** Opens (and migrates) the run's database. The caller closes it. */
export function openDatabase(runDir: string, options: OpenDatabaseOptions = {}): Db {
  const file = databasePath(runDir);
  if (!existsSync(file)) {
    if (!options.create)
      throw new FaultlineError(`${file}: no study database in this run (create a study first)`);
    mkdirSync(runDir, { recursive: true });
  }
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: !options.create,
    timeout: options.busyTimeoutMs ?? 10_000,
  });
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new FaultlineError(
        `${file}: database schema version ${version} is newer than this faultline understands (${MIGRATIONS.length})`,
        { hint: 'upgrade faultline' },
      );
    }
    if (!options.readonly) migrate(db, version);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: Db, from: number): void {
  for (let step = from; step < MIGRATIONS.length; step++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[step]);
      db.pragma(`user_version = ${step + 1}`);
    }).immediate();
  }
}
