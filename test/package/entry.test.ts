/**
 * The package as a user installs it: package.json's main/types point at the built library entry (dist/index.*),
 * which exports the pipeline's functions, and dist/ holds no test code. Needs `npm run build` (npm test runs it).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; types: string };
const built = existsSync(join(root, pkg.main));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe.skipIf(!built)('the built package', () => {
  it('main and types exist and main exports the library API', async () => {
    expect(existsSync(join(root, pkg.types))).toBe(true);
    const lib = (await import(pathToFileURL(join(root, pkg.main)).href)) as Record<string, unknown>;
    for (const name of [
      'extractRun',
      'addFeatureSet',
      'loadRun',
      'discover',
      'writeDiscovery',
      'readDiscoveryFile',
      'visualize',
      'writeReport',
      'startServer',
      'importCheckpoint',
      'FaultlineError',
    ]) {
      expect(typeof lib[name], name).toBe('function');
    }
    expect(lib.DEFAULT_DISCOVER_OPTIONS).toMatchObject({ depth: expect.any(Number) });
    expect(lib.ATTACK_DEFAULTS).toMatchObject({ alpha: expect.any(Number), steps: expect.any(Number) });
  });

  it('holds no tests or test support', () => {
    const testFiles = filesUnder(join(root, 'dist')).filter((f) =>
      /\.test(-support)?\.|test-support/.test(f),
    );
    expect(testFiles).toEqual([]);
  });
});

it('is built before this test runs in npm test', () => {
  // Without dist/ the checks above are skipped; npm test builds first, so this only reminds a local run.
  if (!built) console.warn(`${pkg.main} missing: run npm run build to check the built package`);
  expect(pkg.main).toBe('dist/index.js');
  expect(pkg.types).toBe('dist/index.d.ts');
});
