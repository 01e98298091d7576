/**
 * `faultline report`: a self-contained static copy of the explorer (overview, classes, modes, features) with the
 * images it shows copied next to it, for sharing without a server. Same data as the explorer (views.ts).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { getFeatureNames } from '../study/index.js';
import { StudyService } from '../explorer/study-service.js';
import { FeatureNameCache } from '../explorer/feature-name-cache.js';
import { loadExplorerData } from '../explorer/explorer-data.js';
import { resolveInsideRoots } from '../explorer/safe-path.js';
import { thumbnail } from '../image/thumbnail.js';
import { visualSetsForFeature, VISUAL_FILE } from '../explorer/visuals.js';
import {
  allMembers,
  classView,
  membersCsv,
  modeView,
  overview,
  rulesUsingFeature,
  type FeatureNamer,
} from '../explorer/views.js';
import type { FeatureResponse } from '../shared/api/explorer.js';
import { visualsFolder } from '../run/format.js';
import { silentProgress, type ProgressSink } from '../shared/progress.js';
import {
  classHref,
  classPage,
  featureHref,
  featurePage,
  modeHref,
  modePage,
  overviewPage,
  STYLE,
} from './pages.js';

/** Member thumbnails per mode: a 1000-class run would copy ~50k images with all of them. */
export const REPORT_DEFAULTS = { failureImages: 12, successImages: 6 } as const;

export interface ReportOptions {
  runDir: string;
  outDir: string;
  /** Member thumbnails per mode (default 12 failures and 6 successes; a 1000-class run copies ~50k otherwise). */
  failureImages?: number;
  successImages?: number;
  /** Class pages written so far (a 1000-class ImageNet report takes minutes). */
  progress?: ProgressSink;
}

export interface ReportSummary {
  index: string;
  classes: number;
  modes: number;
  features: number;
  images: number;
  skippedImages: number;
}

export async function writeReport(options: ReportOptions): Promise<ReportSummary> {
  const data = loadExplorerData(options.runDir);
  const featureSet = data.discovery?.options.featureSet ?? 'robust';
  const names = getFeatureNames(options.runDir);
  const namer: FeatureNamer = (_c, f) => names.get(f, featureSet) ?? null;
  const nameMap = new Map(
    names
      .list()
      .filter((n) => n.featureSet === featureSet)
      .map((n) => [n.featureIndex, n.name]),
  );
  const study = StudyService.open(data, new FeatureNameCache(options.runDir, featureSet));
  const out = options.outDir;
  for (const sub of ['classes', 'modes', 'features', 'images', 'visuals', 'csv'])
    mkdirSync(join(out, sub), { recursive: true });
  writeFileSync(join(out, 'style.css'), STYLE);

  const summary: ReportSummary = {
    index: join(out, 'index.html'),
    classes: 0,
    modes: 0,
    features: 0,
    images: 0,
    skippedImages: 0,
  };
  const copied = new Map<number, string | null>();
  const imageOf = (row: number) => {
    const name = copied.get(row);
    return name ? `../images/${name}` : null;
  };
  const copyImage = async (row: number) => {
    if (copied.has(row)) return;
    try {
      const real = resolveInsideRoots(data.run.samples[row].path, data.fileRoots);
      writeFileSync(join(out, 'images', `${row}.jpg`), await thumbnail(real, 160));
      copied.set(row, `${row}.jpg`);
      summary.images++;
    } catch {
      // Unreadable or outside the dataset root: the page shows the caption without a picture.
      copied.set(row, null);
      summary.skippedImages++;
    }
  };

  const progress = options.progress ?? silentProgress;
  try {
    const all = overview(data, { page: 1, pageSize: data.run.classes.length || 1, q: '', sort: 'error' });
    writeFileSync(join(out, 'index.html'), overviewPage(all, new Date().toISOString()));
    const features = new Set<number>();
    // Every class gets a page (the overview links them all); only analysed classes have modes.
    const classes = data.run.classes.map((c) => c.index);
    for (const [i, classIndex] of classes.entries()) {
      const view = classView(data, classIndex, namer, false);
      writeFileSync(join(out, classHref(classIndex)), classPage(view, nameMap));
      summary.classes++;
      const group = data.groupsByClass.get(classIndex);
      for (const mode of group?.modes ?? []) {
        const members = allMembers(data, mode);
        const failures = members
          .filter((m) => m.failure)
          .slice(0, options.failureImages ?? REPORT_DEFAULTS.failureImages);
        const successes = members
          .filter((m) => !m.failure)
          .slice(0, options.successImages ?? REPORT_DEFAULTS.successImages);
        // sharp works on its own threads: a few thumbnails at a time keep them busy without flooding memory.
        const rows = [...failures, ...successes].map((m) => m.row);
        for (let k = 0; k < rows.length; k += 8) await Promise.all(rows.slice(k, k + 8).map(copyImage));
        const csvName = `${mode.id.replace('/', '-')}.csv`;
        writeFileSync(join(out, 'csv', csvName), membersCsv(members));
        const view: ReturnType<typeof modeView> = modeView(data, group!, mode, namer);
        writeFileSync(
          join(out, modeHref(mode.id)),
          modePage(view, { failures, successes }, imageOf, `../csv/${csvName}`),
        );
        summary.modes++;
        for (const c of mode.conditions) features.add(c.feature);
      }
      progress.update(i + 1, classes.length);
    }
    for (const feature of features) {
      const visuals = visualSetsForFeature(data, feature, 'visuals');
      const response: FeatureResponse = {
        feature,
        name: namer(-1, feature),
        visuals,
        rules: rulesUsingFeature(data, feature, namer),
        study: study?.featureResults(feature) ?? [],
      };
      const visualHref = (url: string): string | null => {
        // url = visuals/<group>/<feature>/<file>, made by visualSetsForFeature from checked names.
        const [, group, , file] = url.split('/');
        if (!VISUAL_FILE.test(basename(file))) return null;
        try {
          const real = resolveInsideRoots(
            join(visualsFolder(data.run.dir, group, feature), file),
            data.runRoots,
          );
          const dir = join(out, 'visuals', group, `feature-${feature}`);
          mkdirSync(dir, { recursive: true });
          copyFileSync(real, join(dir, file));
          return `../visuals/${group}/feature-${feature}/${file}`;
        } catch {
          return null;
        }
      };
      writeFileSync(join(out, featureHref(feature)), featurePage(response, visualHref));
      summary.features++;
    }
  } finally {
    progress.stop();
    study?.close();
  }
  return summary;
}
