/**
 * Pixel effects applied after compositing, on float RGB buffers (HWC, [0, 1]): the occluding grey block,
 * lighting, blur and sensor noise. Pure functions so every effect is exact and testable.
 */
import { Prng } from './prng.js';

/** The occluder's fixed grey, so "a grey block" is one recognisable thing across the dataset. */
export const OCCLUDER_GREY = 0.5;

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of the pixels where mask != 0 (null when empty). */
export function maskBox(mask: Uint8Array, width: number, height: number): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * Chooses a block that covers one side or corner of the object's box: 45-65% of its width and height,
 * so roughly a third to a half of the object disappears.
 */
export function occluderBox(object: Box, rng: Prng, width: number, height: number): Box {
  const w = object.x1 - object.x0;
  const h = object.y1 - object.y0;
  const bw = Math.max(3, Math.round(w * rng.uniform(0.5, 0.7)));
  const bh = Math.max(3, Math.round(h * rng.uniform(0.5, 0.7)));
  const side = rng.int(4);
  const cx = side === 0 ? object.x0 : side === 1 ? object.x1 - bw : object.x0 + rng.uniform(0, w - bw);
  const cy = side === 2 ? object.y0 : side === 3 ? object.y1 - bh : object.y0 + rng.uniform(0, h - bh);
  const x0 = Math.max(0, Math.round(cx));
  const y0 = Math.max(0, Math.round(cy));
  return { x0, y0, x1: Math.min(width, x0 + bw), y1: Math.min(height, y0 + bh) };
}

/** Paints the box grey; returns its mask. */
export function paintOccluder(rgb: Float32Array, box: Box, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const p = y * width + x;
      mask[p] = 1;
      rgb[p * 3] = OCCLUDER_GREY;
      rgb[p * 3 + 1] = OCCLUDER_GREY;
      rgb[p * 3 + 2] = OCCLUDER_GREY;
    }
  }
  return mask;
}

export function applyBrightness(rgb: Float32Array, factor: number): void {
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.min(1, rgb[i] * factor);
}

/** Separable Gaussian blur with edge clamping (kernel radius 3 sigma). */
export function gaussianBlur(rgb: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return rgb;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(rgb.length);
  const out = new Float32Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          const xx = Math.min(width - 1, Math.max(0, x + i));
          acc += k[i + r] * rgb[(y * width + xx) * 3 + c];
        }
        tmp[(y * width + x) * 3 + c] = acc;
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          const yy = Math.min(height - 1, Math.max(0, y + i));
          acc += k[i + r] * tmp[(yy * width + x) * 3 + c];
        }
        out[(y * width + x) * 3 + c] = acc;
      }
    }
  }
  return out;
}

export function addNoise(rgb: Float32Array, sigma: number, rng: Prng): void {
  if (sigma <= 0) return;
  for (let i = 0; i < rgb.length; i++) rgb[i] += sigma * rng.normal();
}

/** Float [0, 1] to 8-bit with clamping and round-half-up. */
export function toBytes(rgb: Float32Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    const v = Math.round(Math.min(1, Math.max(0, rgb[i])) * 255);
    out[i] = v;
  }
  return out;
}
