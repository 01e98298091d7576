import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureFileName, RUN_FILES, VISUAL_FILE, VISUAL_FILES, visualsFolder } from './format.js';
import { predictionFileName } from './write.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'run-directory.md'), 'utf8');

describe('the run directory contract', () => {
  it('docs/run-directory.md lists every file that run/format.ts names', () => {
    const listed = (name: string) => doc.includes('`' + name + '`') || doc.includes('`' + name + '/`');
    for (const name of Object.values(RUN_FILES)) expect(listed(name), name).toBe(true);
    for (const name of [
      featureFileName('<name>'),
      predictionFileName('<name>'),
      VISUAL_FILES.top('<i>' as unknown as number),
      VISUAL_FILES.heatmap('<i>' as unknown as number),
      VISUAL_FILES.attack('<i>' as unknown as number),
      VISUAL_FILES.sheet,
      VISUAL_FILES.record,
    ]) {
      expect(listed(name), name).toBe(true);
    }
  });

  it('names feature files and visuals as documented', () => {
    expect(featureFileName('robust')).toBe('features.npy');
    expect(featureFileName('random')).toBe('features.random.npy');
    expect(visualsFolder('/r', 'pred-3', 7)).toBe('/r/visuals/pred-3/feature-7');
    for (const f of [
      VISUAL_FILES.top(1),
      VISUAL_FILES.heatmap(12),
      VISUAL_FILES.attack(3),
      VISUAL_FILES.sheet,
    ])
      expect(VISUAL_FILE.test(f), f).toBe(true);
    expect(VISUAL_FILE.test(VISUAL_FILES.record)).toBe(true);
  });
});
