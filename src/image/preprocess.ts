/**
 * Image decoding and preprocessing — the only module that talks to sharp for model inputs.
 * Every image becomes 8-bit sRGB (greyscale, CMYK, 16-bit and alpha handled; EXIF orientation applied), then
 * either squashed to the model size ('resize') or resized on the shorter side and center-cropped ('crop', the
 * torchvision Resize(256) + CenterCrop(224) convention).
 */
import sharp from 'sharp';
import type { PreprocessSpec } from '../run/format.js';

export interface RgbImage {
  /** HWC, RGB, 8 bit. */
  data: Uint8Array;
  width: number;
  height: number;
}

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** Geometry of the 'crop' mode, following torchvision: scale the shorter side, round, then crop the center. */
export function cropGeometry(
  width: number,
  height: number,
  spec: Pick<PreprocessSpec, 'resize' | 'width' | 'height'>,
): { resizedWidth: number; resizedHeight: number; left: number; top: number } {
  const shorter = spec.resize ?? Math.round(Math.max(spec.width, spec.height) / 0.875);
  let resizedWidth: number;
  let resizedHeight: number;
  if (width <= height) {
    resizedWidth = shorter;
    resizedHeight = Math.floor((shorter * height) / width);
  } else {
    resizedHeight = shorter;
    resizedWidth = Math.floor((shorter * width) / height);
  }
  // A crop larger than the resized image would need padding; resize up instead so the crop always fits.
  resizedWidth = Math.max(resizedWidth, spec.width);
  resizedHeight = Math.max(resizedHeight, spec.height);
  const left = roundHalfEven((resizedWidth - spec.width) / 2);
  const top = roundHalfEven((resizedHeight - spec.height) / 2);
  return { resizedWidth, resizedHeight, left, top };
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** Decodes and preprocesses one image file (or encoded buffer) to the model's input geometry. */
export async function loadImageRgb(input: string | Buffer, spec: PreprocessSpec): Promise<RgbImage> {
  const meta = await sharp(input, { failOn: 'error' }).metadata();
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  if (!oriented.width || !oriented.height) throw new Error('image has no dimensions');

  let pipeline = sharp(input, { failOn: 'error' })
    .autoOrient()
    // Drop alpha the way PIL's convert('RGB') does (discard, no compositing), then force 8-bit sRGB.
    .removeAlpha()
    .toColourspace('srgb');
  if (spec.mode === 'resize') {
    pipeline = pipeline.resize(spec.width, spec.height, { fit: 'fill', kernel: 'linear' });
  } else {
    const g = cropGeometry(oriented.width, oriented.height, spec);
    pipeline = pipeline
      .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel: 'linear' })
      .extract({ left: g.left, top: g.top, width: spec.width, height: spec.height });
  }
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

/** Packs preprocessed images into one NCHW float32 batch: (x / 255 - mean) / std. */
export function toInputTensor(images: readonly Pick<RgbImage, 'data'>[], spec: PreprocessSpec): Float32Array {
  const plane = spec.width * spec.height;
  const out = new Float32Array(images.length * 3 * plane);
  // One lookup table per channel (256 entries, computed in float64 exactly as the direct formula) and a single
  // sequential pass over the HWC bytes: this loop runs for every image and competes with inference for the CPU.
  const luts = [0, 1, 2].map((c) => {
    const lut = new Float64Array(256);
    const scale = 1 / (255 * spec.std[c]);
    const shift = spec.mean[c] / spec.std[c];
    for (let v = 0; v < 256; v++) lut[v] = v * scale - shift;
    return lut;
  });
  const [lr, lg, lb] = luts;
  images.forEach((img, n) => {
    if (img.data.length !== plane * 3) {
      throw new RangeError(`image ${n} has ${img.data.length} bytes, expected ${plane * 3}`);
    }
    const data = img.data;
    const r = n * 3 * plane;
    const g = r + plane;
    const b = g + plane;
    for (let p = 0, q = 0; p < plane; p++, q += 3) {
      out[r + p] = lr[data[q]];
      out[g + p] = lg[data[q + 1]];
      out[b + p] = lb[data[q + 2]];
    }
  });
  return out;
}

/** The image library's versions, as recorded in run manifests. */
export function imageLibraryVersions(): { sharp: string; libvips: string } {
  return { sharp: sharp.versions.sharp ?? 'unknown', libvips: sharp.versions.vips };
}
