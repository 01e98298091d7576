/**
 * Heatmap of one feature on one image (docs/method.md §6): channel j of the robust model's feature map, clamped
 * at 0 and divided by its maximum, bilinearly upsampled to the image size, coloured with jet and alpha-blended onto
 * the image.
 *
 * Upsampling uses half-pixel centres (align_corners = false, the default of PyTorch's F.interpolate, OpenCV's
 * resize and PIL): output pixel (x + 0.5) samples the map at (x + 0.5) * w / W - 0.5, clamped to the map's edge.
 * So a map cell's value is exact at the centre of the image region it covers, and the borders extend flat.
 */
import sharp from 'sharp';
import { colorize } from './colormap.js';

/** Clamps at 0 and divides by the maximum; an all-non-positive map becomes all zeros. */
export function normalizeMap(map: ArrayLike<number>): Float32Array {
  let max = 0;
  for (let i = 0; i < map.length; i++) if (map[i] > max) max = map[i];
  const out = new Float32Array(map.length);
  if (max <= 0) return out;
  for (let i = 0; i < map.length; i++) out[i] = map[i] > 0 ? map[i] / max : 0;
  return out;
}

function sourceCoordinates(
  outSize: number,
  inSize: number,
): { lo: Int32Array; hi: Int32Array; t: Float32Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
    lo[o] = Math.floor(s);
    hi[o] = Math.min(inSize - 1, lo[o] + 1);
    t[o] = s - lo[o];
  }
  return { lo, hi, t };
}

/** Bilinear upsampling of an h x w map to H x W (half-pixel centres, see the module comment). */
export function upsampleBilinear(
  map: ArrayLike<number>,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Float32Array {
  const ys = sourceCoordinates(outH, h);
  const xs = sourceCoordinates(outW, w);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const r0 = ys.lo[y] * w;
    const r1 = ys.hi[y] * w;
    const ty = ys.t[y];
    for (let x = 0; x < outW; x++) {
      const c0 = xs.lo[x];
      const c1 = xs.hi[x];
      const tx = xs.t[x];
      const top = map[r0 + c0] * (1 - tx) + map[r0 + c1] * tx;
      const bottom = map[r1 + c0] * (1 - tx) + map[r1 + c1] * tx;
      out[y * outW + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** The coloured heatmap (RGB bytes, H x W) of an h x w feature-map channel. */
export function heatmapColors(
  channel: ArrayLike<number>,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Uint8Array {
  return colorize(upsampleBilinear(normalizeMap(channel), h, w, outH, outW));
}

export interface RgbRaster {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Blends an RGB overlay onto an RGB image with sharp (overlay opacity `alpha`); returns RGB bytes. */
export async function blendOverlay(image: RgbRaster, overlay: Uint8Array, alpha = 0.5): Promise<Uint8Array> {
  const { width, height } = image;
  const rgba = Buffer.alloc(width * height * 4);
  const a = Math.round(alpha * 255);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = overlay[i * 3];
    rgba[i * 4 + 1] = overlay[i * 3 + 1];
    rgba[i * 4 + 2] = overlay[i * 3 + 2];
    rgba[i * 4 + 3] = a;
  }
  const { data } = await sharp(Buffer.from(image.data), { raw: { width, height, channels: 3 } })
    .composite([{ input: rgba, raw: { width, height, channels: 4 } }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Heatmap of one channel blended onto its image. */
export async function renderHeatmap(
  image: RgbRaster,
  channel: ArrayLike<number>,
  h: number,
  w: number,
  alpha = 0.5,
): Promise<Uint8Array> {
  return blendOverlay(image, heatmapColors(channel, h, w, image.height, image.width), alpha);
}

/**
 * PNG bytes of an RGB raster: the one PNG encoder. Fixed settings (no adaptive filtering, no palette), so the same
 * pixels give the same bytes; `compressionLevel` 0-9 (sharp's default 6; the demo's dataset uses 9).
 */
export async function encodePng(image: RgbRaster, compressionLevel = 6): Promise<Buffer> {
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel, adaptiveFiltering: false, palette: false })
    .toBuffer();
}
