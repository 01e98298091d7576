/**
 * A contact sheet for one robust feature within one group: the group's top-k images by the feature (docs/method.md
 * section 6) in the first row, the same images with the feature's heatmap (channel j of the feature map, divided
 * by its maximum, bilinearly upsampled, jet colormap, blended: explain/heatmap.ts) in the second. Demo-sized
 * (small images, few tiles); the general visualisation lives in src/explain.
 */
import sharp from 'sharp';
import { renderHeatmap } from '../explain/heatmap.js';
import { loadImageRgb, toInputTensor } from '../image/preprocess.js';
import { loadModel, runBatch, type LoadedModel } from '../inference/model.js';
import { FaultlineError } from '../shared/errors.js';

export interface ContactSheetOptions {
  /** Robust ONNX model with a feature-map output. */
  model: string | LoadedModel;
  /** Image files, best first (already chosen: the top-k of the group by the feature). */
  images: string[];
  /** The feature's own index = channel of the feature map. */
  feature: number;
  /** Upscaled tile side in pixels. */
  tile?: number;
}

/** PNG bytes of a 2-row sheet: images, then images with the feature's heatmap. */
export async function renderContactSheet(o: ContactSheetOptions): Promise<Buffer> {
  const model = typeof o.model === 'string' ? await loadModel(o.model, { role: 'robust' }) : o.model;
  const mapName = model.spec.outputs.featureMap;
  if (!mapName)
    throw new FaultlineError(`${model.path}: no feature map output; the spec must name featureMap`);
  const spec = model.spec.preprocess;
  const images = await Promise.all(o.images.map((f) => loadImageRgb(f, spec)));
  const out = await runBatch(model, toInputTensor(images, spec), images.length, [mapName]);
  const [, channels, h, w] = out[mapName].dims as number[];
  if (o.feature < 0 || o.feature >= channels) {
    throw new FaultlineError(`feature ${o.feature} is not a channel of ${mapName} (0-${channels - 1})`);
  }
  const tile = o.tile ?? 128;
  const gap = 4;
  const tiles: { input: Buffer; left: number; top: number }[] = [];
  for (const [n, img] of images.entries()) {
    const map = out[mapName].data.subarray(
      (n * channels + o.feature) * h * w,
      (n * channels + o.feature + 1) * h * w,
    );
    const heat = await renderHeatmap({ data: img.data, width: spec.width, height: spec.height }, map, h, w);
    const raw = { raw: { width: spec.width, height: spec.height, channels: 3 as const } };
    const up = (data: Uint8Array): Promise<Buffer> =>
      sharp(Buffer.from(data), raw).resize(tile, tile, { kernel: 'nearest' }).png().toBuffer();
    tiles.push({ input: await up(img.data), left: n * (tile + gap), top: 0 });
    tiles.push({ input: await up(heat), left: n * (tile + gap), top: tile + gap });
  }
  return sharp({
    create: {
      width: images.length * (tile + gap) - gap,
      height: 2 * tile + gap,
      channels: 3,
      background: '#ffffff',
    },
  })
    .composite(tiles)
    .png()
    .toBuffer();
}
