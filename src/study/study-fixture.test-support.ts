/** Shared by the study tests: a temporary run directory holding the fixture discovery.json and classes.json. */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/study/', import.meta.url));

/** A fresh run directory with discovery.json + classes.json; remove it with cleanup(). */
export function fixtureRun(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-study-'));
  copyFileSync(join(FIXTURES, 'discovery.json'), join(dir, 'discovery.json'));
  copyFileSync(join(FIXTURES, 'classes.json'), join(dir, 'classes.json'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh empty temporary directory. */
export function emptyDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-study-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const GOOD = { main: 'main_object', confidence: 4, reasons: 'the jug handle' } as const;
