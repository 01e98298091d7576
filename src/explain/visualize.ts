/**
 * `faultline visualize`: for each requested feature of a group, the top images, their heatmaps and feature
 * attacks, written as PNGs, one contact sheet and a visual.json that the explorer serves.
 *
 * <out>/top-<i>.png, heatmap-<i>.png, attack-<i>.png (i = 1..k by rank), sheet.png, visual.json
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupBy } from '../discover/schema.js';
import { loadImageRgb, toInputTensor, type RgbImage } from '../image/preprocess.js';
import { closeModel, loadModel, runBatch, type LoadedModel } from '../inference/model.js';
import { RUN_FILES, VISUAL_FILES, visualsFolder, type PreprocessSpec } from '../run/format.js';
import type { Run } from '../run/load.js';
import { writeJson } from '../run/tables.js';
import { findMode, readDiscoveryFile } from '../discover/discovery-file.js';
import { FaultlineError, invalidOption } from '../shared/errors.js';
import { attackDefaults, attackFeature } from './attack.js';
import { FeatureGradient } from './autodiff/session.js';
import { renderContactSheet } from './contact-sheet.js';
import { encodePng, renderHeatmap, type RgbRaster } from './heatmap.js';
import { resolveGroup, topImages, type FeatureGroup } from './top-images.js';

export const VISUAL_FORMAT = 'faultline-visual/1';

export interface VisualImage {
  rank: number;
  id: string;
  label: number;
  labelName: string;
  prediction: number;
  predictionName: string;
  /** Value in the run's features.npy. */
  value: number;
  attack: { before: number; after: number; distance: number };
  /** File names inside the visual's directory. */
  files: { top: string; heatmap?: string; attack: string };
}

/** visual.json: everything the explorer needs to show one feature of one group. */
export interface VisualRecord {
  format: typeof VISUAL_FORMAT;
  createdAt: string;
  group: { key: string; classIndex: number; className: string; groupBy: GroupBy; size: number };
  feature: number;
  options: { k: number; steps: number; alpha: number; budget?: number };
  model: { path: string; sha256: string; features: string; featureMap?: string };
  /** The mode this feature was visualised for, when run with --mode. */
  mode?: string;
  images: VisualImage[];
  sheet: string;
}

export type VisualizeProgress =
  | { phase: 'prepare'; message: string }
  | { phase: 'attack'; feature: number; done: number; total: number }
  | { phase: 'written'; feature: number; dir: string };

/** Defaults of the options below; the attack's (alpha, steps, budget) follow the robust model: attackDefaults. */
export const VISUALIZE_DEFAULTS = { k: 5 } as const;

export interface VisualizeOptions {
  /** Class name, wnid, index or group key; required unless `mode` is given. */
  group?: string | number;
  /** Feature indices (own column indices of features.npy); with `mode`, default = the mode's path features. */
  features?: number[];
  /** Failure-mode id from discovery.json, e.g. "pred-899/2". */
  mode?: string;
  groupBy?: GroupBy;
  k?: number;
  steps?: number;
  alpha?: number;
  budget?: number;
  /** Output root; default <run>/visuals. Each feature goes to <root>/<group key>/feature-<j>. */
  outRoot?: string;
  threads?: number;
  /** Where to cache the gradient model (default: next to the robust model, else ~/.cache/faultline). */
  gradientCacheDir?: string;
  onProgress?: (event: VisualizeProgress) => void;
}

interface Prepared {
  model: LoadedModel;
  preprocess: PreprocessSpec;
  featuresOutput: string;
  featureMap?: string;
}

async function prepareModel(run: Run, threads?: number): Promise<Prepared> {
  const record = run.manifest.models.robust;
  if (!record)
    throw new FaultlineError(`${run.dir}: the run has no robust model; rerun extract with a robust model`);
  const set = run.manifest.features.robust;
  if (!set) throw new FaultlineError(`${run.dir}: the run has no robust feature set`);
  const model = await loadModel(record.path, {
    spec: record.spec,
    role: 'robust',
    featuresOutput: set.output,
    threads,
  });
  const preprocess = run.manifest.preprocessing.robust ?? model.spec.preprocess;
  const featureMap =
    run.manifest.featureMap?.output ?? model.spec.outputs.featureMap ?? (set.pooled ? set.output : undefined);
  return { model, preprocess, featuresOutput: set.output, featureMap };
}

function toRaster(image: RgbImage): RgbRaster {
  return { data: image.data, width: image.width, height: image.height };
}

/** RGB HWC bytes -> NCHW floats in [0,1]. */
export function toPixels(images: readonly RgbImage[]): Float32Array {
  const { width, height } = images[0];
  const plane = width * height;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((img, n) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[(n * 3 + c) * plane + p] = img.data[p * 3 + c] / 255;
    }
  });
  return out;
}

/** NCHW floats in [0,1] -> one RGB raster per image. */
export function fromPixels(pixels: Float32Array, count: number, width: number, height: number): RgbRaster[] {
  const plane = width * height;
  return Array.from({ length: count }, (_, n) => {
    const data = new Uint8Array(plane * 3);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++)
        data[p * 3 + c] = Math.round(Math.min(1, Math.max(0, pixels[(n * 3 + c) * plane + p])) * 255);
    }
    return { data, width, height };
  });
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);

/** Visualises features of one group (or of a failure mode's path); returns one record per feature. */
export async function visualize(run: Run, options: VisualizeOptions): Promise<VisualRecord[]> {
  const k = options.k ?? VISUALIZE_DEFAULTS.k;
  if (!Number.isInteger(k) || k < 1) throw invalidOption('k', 'a positive integer', k);

  const discoveryFile = join(run.dir, RUN_FILES.discovery);
  const discovery = existsSync(discoveryFile) ? readDiscoveryFile(discoveryFile) : undefined;
  let group: FeatureGroup;
  let features = options.features ?? [];
  let predictionSet = 'inspected';
  if (options.mode) {
    if (!discovery)
      throw new FaultlineError(`${discoveryFile} not found: run faultline discover before --mode`);
    const found = findMode(discovery, options.mode);
    predictionSet = discovery.options.predictionSet;
    group = resolveGroup(run, found.group.key, discovery.options.groupBy, predictionSet);
    if (features.length === 0) features = [...new Set(found.mode.conditions.map((c) => c.feature))];
  } else {
    if (options.group === undefined)
      throw new FaultlineError('name a group (--group <class>) or a mode (--mode <id>)');
    group = resolveGroup(
      run,
      options.group,
      options.groupBy ?? discovery?.options.groupBy ?? 'prediction',
      predictionSet,
    );
  }
  if (features.length === 0) throw new FaultlineError('name at least one feature (--feature <j>)');
  if (group.rows.length === 0)
    throw new FaultlineError(`group ${group.key} (${group.className}) has no images`);

  options.onProgress?.({ phase: 'prepare', message: 'loading the robust model and its gradient graph' });
  const prepared = await prepareModel(run, options.threads);
  const { model, preprocess } = prepared;
  // Each option not given falls back to the robust model's own default (attackDefaults: budgeted when its spec
  // states the eps it was trained at).
  const defaults = attackDefaults(model.spec.robustness);
  const steps = options.steps ?? defaults.steps;
  const alpha = options.alpha ?? defaults.alpha;
  const budget = options.budget ?? defaults.budget;
  const gradient = await FeatureGradient.open(model.path, {
    features: prepared.featuresOutput,
    input: model.spec.input,
    normalize: { mean: preprocess.mean, std: preprocess.std },
    inputShape: [1, 3, preprocess.height, preprocess.width],
    threads: options.threads,
    cacheDir: options.gradientCacheDir,
  });
  const predictions = run.predictions(predictionSet);
  const className = (i: number) => run.classes.find((c) => c.index === i)?.name ?? String(i);
  const reader = run.openFeatures();
  const records: VisualRecord[] = [];
  try {
    for (const feature of features) {
      const ranked = topImages(reader, group.rows, feature, k);
      const samples = ranked.map((r) => run.samples[r.row]);
      const images = await Promise.all(samples.map((s) => loadImageRgb(s.path, preprocess)));
      const pixels = toPixels(images);

      let heatmaps: Uint8Array[] | undefined;
      let mapMax: number[] = [];
      if (prepared.featureMap) {
        const out = await runBatch(model, toInputTensor(images, preprocess), images.length, [
          prepared.featureMap,
        ]);
        const map = out[prepared.featureMap];
        if (map.dims.length === 4) {
          const [, channels, h, w] = map.dims;
          const channelOf = (i: number) =>
            map.data.subarray((i * channels + feature) * h * w, (i * channels + feature + 1) * h * w);
          mapMax = images.map((_, i) => Math.max(...channelOf(i)));
          heatmaps = await Promise.all(
            images.map((img, i) => renderHeatmap(toRaster(img), channelOf(i), h, w)),
          );
        }
      }

      const attack = await attackFeature(gradient, pixels, {
        feature,
        alpha,
        steps,
        budget,
        onStep: (done, total) => options.onProgress?.({ phase: 'attack', feature, done, total }),
      });
      const attacked = fromPixels(attack.images, images.length, preprocess.width, preprocess.height);

      // outRoot stands in for <run>/visuals (same layout below it).
      const dir = options.outRoot
        ? join(options.outRoot, group.key, `feature-${feature}`)
        : visualsFolder(run.dir, group.key, feature);
      mkdirSync(dir, { recursive: true });
      const visualImages: VisualImage[] = [];
      for (let i = 0; i < images.length; i++) {
        const rank = i + 1;
        const files = {
          top: VISUAL_FILES.top(rank),
          heatmap: heatmaps ? VISUAL_FILES.heatmap(rank) : undefined,
          attack: VISUAL_FILES.attack(rank),
        };
        writeFileSync(join(dir, files.top), await encodePng(toRaster(images[i])));
        if (heatmaps && files.heatmap) {
          writeFileSync(
            join(dir, files.heatmap),
            await encodePng({ data: heatmaps[i], width: images[i].width, height: images[i].height }),
          );
        }
        writeFileSync(join(dir, files.attack), await encodePng(attacked[i]));
        const sample = samples[i];
        const prediction = predictions[ranked[i].row].prediction;
        visualImages.push({
          rank,
          id: sample.id,
          label: sample.label,
          labelName: sample.labelName,
          prediction,
          predictionName: className(prediction),
          value: ranked[i].value,
          attack: { before: attack.before[i], after: attack.after[i], distance: attack.distance[i] },
          files,
        });
      }
      const rows = [
        {
          label: 'top images',
          tiles: images.map(toRaster),
          captions: visualImages.map(
            (v) => `${v.labelName}\npred ${v.predictionName}\nf${feature} = ${fmt(v.value)}`,
          ),
        },
        ...(heatmaps
          ? [
              {
                label: 'heatmap',
                tiles: heatmaps.map((data, i) => ({
                  data,
                  width: images[i].width,
                  height: images[i].height,
                })),
                captions: mapMax.map((m) => `map max ${fmt(m)}`),
              },
            ]
          : []),
        {
          label: 'attack',
          tiles: attacked,
          captions: visualImages.map(
            (v) =>
              `f${feature}: ${fmt(v.attack.before)} -> ${fmt(v.attack.after)}\nL2 ${fmt(v.attack.distance)}`,
          ),
        },
      ];
      const budgetText = budget !== undefined ? `, L2 budget ${fmt(budget)}` : '';
      writeFileSync(
        join(dir, VISUAL_FILES.sheet),
        await renderContactSheet({
          title: `feature ${feature} in ${group.key} (${group.className}, ${group.rows.length} images): top ${images.length}, heatmaps, attacks (${steps} steps, alpha ${fmt(alpha)}${budgetText})`,
          rows,
        }),
      );
      const record: VisualRecord = {
        format: VISUAL_FORMAT,
        createdAt: new Date().toISOString(),
        group: {
          key: group.key,
          classIndex: group.classIndex,
          className: group.className,
          groupBy: group.groupBy,
          size: group.rows.length,
        },
        feature,
        options: { k, steps, alpha, ...(budget !== undefined ? { budget } : {}) },
        model: {
          path: model.path,
          sha256: model.record.sha256,
          features: prepared.featuresOutput,
          featureMap: prepared.featureMap,
        },
        ...(options.mode ? { mode: options.mode } : {}),
        images: visualImages,
        sheet: VISUAL_FILES.sheet,
      };
      writeJson(join(dir, VISUAL_FILES.record), record);
      records.push(record);
      options.onProgress?.({ phase: 'written', feature, dir });
    }
  } finally {
    reader.close();
    await gradient.release();
    await closeModel(model);
  }
  return records;
}
