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
  const scale = [1 / (255 * spec.std[0]), 1 / (255 * spec.std[1]), 1 / (255 * spec.std[2])];
  const shift = [spec.mean[0] / spec.std[0], spec.mean[1] / spec.std[1], spec.mean[2] / spec.std[2]];
  images.forEach((img, n) => {
    if (img.data.length !== plane * 3) {
      throw new RangeError(`image ${n} has ${img.data.length} bytes, expected ${plane * 3}`);
    }
    const base = n * 3 * plane;
    for (let c = 0; c < 3; c++) {
      const dst = base + c * plane;
      const s = scale[c];
      const t = shift[c];
      for (let p = 0; p < plane; p++) out[dst + p] = img.data[p * 3 + c] * s - t;
    }
  });
  return out;
}
