/**
 * The schema of <run>/faultline.db, as an ordered list of migrations. PRAGMA user_version holds the number of
 * migrations applied; never edit a shipped migration, append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the comprehensibility study (one study per run directory) and accepted feature names.
  `
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    -- how the tasks were chosen: 'top-modes' | 'top-per-class' | 'import'
    feature_selection TEXT NOT NULL,
    feature_set TEXT NOT NULL,
    workers_per_task INTEGER NOT NULL CHECK (workers_per_task >= 1),
    -- share of each annotator's tasks that are gold tasks (0..1)
    gold_fraction REAL NOT NULL CHECK (gold_fraction >= 0 AND gold_fraction <= 1),
    -- an annotator is flagged when gold accuracy < gold_threshold after >= gold_min_answers gold answers
    gold_threshold REAL NOT NULL CHECK (gold_threshold >= 0 AND gold_threshold <= 1),
    gold_min_answers INTEGER NOT NULL CHECK (gold_min_answers >= 1)
  );

  CREATE TABLE annotators (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    -- SHA-256 of the link token; the token itself is shown once and never stored
    token_hash BLOB NOT NULL UNIQUE,
    -- WorkerId of imported answers, or a label given by the owner
    external_id TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (study_id, external_id)
  );

  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    feature_set TEXT NOT NULL,
    class_index INTEGER NOT NULL,
    wnid TEXT,
    class_name TEXT,
    -- the feature set's own column index
    feature_index INTEGER NOT NULL,
    -- 1 = the class's most important feature for this study
    feature_rank INTEGER NOT NULL,
    -- known answer of a gold task, NULL for an ordinary task
    gold_answer TEXT CHECK (gold_answer IN ('main_object', 'separate_object', 'background')),
    -- 'discovery' | 'import' | 'gold'
    source TEXT NOT NULL,
    UNIQUE (study_id, feature_set, class_index, feature_index)
  );

  CREATE TABLE assignments (
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    -- milliseconds since the epoch
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (annotator_id, task_id)
  ) WITHOUT ROWID;
  CREATE INDEX assignments_by_task ON assignments (task_id, assigned_at);

  CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    main TEXT NOT NULL CHECK (main IN ('main_object', 'separate_object', 'background')),
    confidence INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
    reasons TEXT NOT NULL CHECK (length(reasons) <= 2000),
    created_at TEXT NOT NULL,
    -- 'web' | 'import'
    source TEXT NOT NULL,
    UNIQUE (annotator_id, task_id)
  );
  CREATE INDEX answers_by_task ON answers (task_id);

  CREATE TABLE feature_names (
    feature_set TEXT NOT NULL,
    feature_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (feature_set, feature_index)
  ) WITHOUT ROWID;
  `,
  // 2: answers by unflagged annotators per task, kept by the store on every insert and flag change, so finding a
  // task that still needs workers skips full ones without counting.
  `
  ALTER TABLE tasks ADD COLUMN answers_counted INTEGER NOT NULL DEFAULT 0;
  UPDATE tasks SET answers_counted = (SELECT count(*) FROM answers a JOIN annotators n ON n.id = a.annotator_id
    WHERE a.task_id = tasks.id AND n.flagged = 0);
  `,
];
