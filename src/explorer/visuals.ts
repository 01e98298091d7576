/**
 * Finding the explain stage's pictures of a feature: <run>/visuals/<group key>/feature-<j>/ holding
 * top-<k>.png, heatmap-<k>.png, attack-<k>.png, sheet.png and visual.json. Names are matched against fixed
 * patterns, never joined from raw request text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGroupKey } from '../discover/schema.js';
import { RUN_FILES, VISUAL_FILE, VISUAL_FILES, visualsFolder } from '../run/format.js';
import type { VisualSet } from '../shared/api/explorer.js';
import type { ExplorerData } from './explorer-data.js';
import { className } from './explorer-data.js';

export { VISUAL_FILE, visualsFolder };

function ranked(files: string[], prefix: string): string[] {
  return files
    .filter((f) => f.startsWith(prefix + '-') && VISUAL_FILE.test(f))
    .sort((a, b) => parseInt(a.slice(prefix.length + 1), 10) - parseInt(b.slice(prefix.length + 1), 10));
}

/** Every group's visual set for `feature`, in class order. */
export function visualSetsForFeature(
  data: ExplorerData,
  feature: number,
  urlBase = '/api/visuals',
): VisualSet[] {
  const root = join(data.run.dir, RUN_FILES.visuals);
  if (!existsSync(root)) return [];
  const sets: VisualSet[] = [];
  for (const entry of readdirSync(root)) {
    const parsed = parseGroupKey(entry);
    if (!parsed) continue;
    const { key: groupKey, classIndex } = parsed;
    const folder = visualsFolder(data.run.dir, groupKey, feature);
    if (!existsSync(folder)) continue;
    const files = readdirSync(folder);
    const url = (f: string) => `${urlBase}/${groupKey}/${feature}/${f}`;
    let meta: unknown = null;
    if (files.includes('visual.json')) {
      try {
        meta = JSON.parse(readFileSync(join(folder, VISUAL_FILES.record), 'utf8'));
      } catch {
        meta = null;
      }
    }
    const sheet = files.find((f) => f.startsWith('sheet.') && VISUAL_FILE.test(f));
    sets.push({
      groupKey,
      classIndex,
      className: className(data, classIndex),
      top: ranked(files, 'top').map(url),
      heatmaps: ranked(files, 'heatmap').map(url),
      attacks: ranked(files, 'attack').map(url),
      sheet: sheet ? url(sheet) : null,
      meta,
    });
  }
  return sets.sort((a, b) => a.classIndex - b.classIndex);
}
