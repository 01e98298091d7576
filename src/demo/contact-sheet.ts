/**
 * A contact sheet for one robust feature within one group: the group's top-k images by the feature (METHOD.md
 * section 6) in the first row, the same images with the feature's heatmap (channel j of the feature map, divided
 * by its maximum, bilinearly upsampled, jet colormap, blended) in the second. Demo-sized (small images, few
 * tiles); the general visualisation lives in src/explain.
 */
import sharp from 'sharp';
import { loadImageRgb, toInputTensor } from '../image/preprocess.js';
import { loadModel, runBatch, type LoadedModel } from '../inference/model.js';
import { FaultlineError } from '../shared/errors.js';

/** Jet colormap, t in [0, 1] -> RGB in [0, 1] (blue = low, red = high). */
export function jet(t: number): [number, number, number] {
  const c = (x: number): number => Math.min(1, Math.max(0, x));
  return [c(1.5 - Math.abs(4 * t - 3)), c(1.5 - Math.abs(4 * t - 2)), c(1.5 - Math.abs(4 * t - 1))];
}

/** Bilinear upsampling of an h x w map to H x W (align_corners = false, as torch's interpolate). */
export function upsampleBilinear(
  map: Float32Array,
  h: number,
  w: number,
  H: number,
  W: number,
): Float32Array {
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
      const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
      out[y * W + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Blends the normalised heatmap (values in [0, 1]) onto an RGB image: 50% image, 50% jet colour. */
export function blendHeatmap(rgb: Uint8Array, heat: Float32Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let p = 0; p < heat.length; p++) {
    const [r, g, b] = jet(heat[p]);
    out[p * 3] = Math.round(0.5 * rgb[p * 3] + 127.5 * r);
    out[p * 3 + 1] = Math.round(0.5 * rgb[p * 3 + 1] + 127.5 * g);
    out[p * 3 + 2] = Math.round(0.5 * rgb[p * 3 + 2] + 127.5 * b);
  }
  return out;
}

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
    const max = Math.max(...map);
    const norm = Float32Array.from(map, (v) => (max > 0 ? Math.max(0, v) / max : 0));
    const heat = upsampleBilinear(norm, h, w, spec.height, spec.width);
    const raw = { raw: { width: spec.width, height: spec.height, channels: 3 as const } };
    const up = (data: Uint8Array): Promise<Buffer> =>
      sharp(Buffer.from(data), raw).resize(tile, tile, { kernel: 'nearest' }).png().toBuffer();
    tiles.push({ input: await up(img.data), left: n * (tile + gap), top: 0 });
    tiles.push({ input: await up(blendHeatmap(img.data, heat)), left: n * (tile + gap), top: tile + gap });
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
