/**
 * Image decoding and preprocessing — the only module that talks to sharp for model inputs.
 * Every image becomes 8-bit sRGB (greyscale, CMYK, 16-bit and alpha handled; EXIF orientation applied), then
 * either squashed to the model size ('resize') or resized on the shorter side and center-cropped ('crop', the
 * torchvision Resize(256) + CenterCrop(224) convention).
 *
 * CMYK images are converted the way PIL's `Image.convert('RGB')` (torchvision's default loader) does it, with its
 * plain formula and no ICC profile, not with sharp's colour-managed conversion: the two differ by a mean of
 * 15.5/255 (max 116) on test/fixtures/image/cmyk.jpg, enough to move robust features.
 */
import { statSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
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

/**
 * PIL's CMYK -> RGB (Convert.c `cmyk2rgb`, Pillow 9.4): with nk = 255 - K, R = nk - C * nk / 255 rounded the way
 * its MULDIV255 rounds, likewise G from M and B from Y. `channels` is the stride of `cmyk` (4, or more with extra
 * channels, which are ignored as PIL ignores them).
 */
export function cmykToRgbLikePil(cmyk: Uint8Array, channels = 4): Uint8Array {
  const pixels = Math.floor(cmyk.length / channels);
  const out = new Uint8Array(pixels * 3);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += channels, o += 3) {
    const nk = 255 - cmyk[i + 3];
    for (let c = 0; c < 3; c++) {
      const t = cmyk[i + c] * nk + 128;
      out[o + c] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return out;
}

/** The oriented image as 8-bit sRGB, alpha dropped, before any resampling. */
async function orientedRgb(input: string | Buffer, space: string | undefined): Promise<Sharp> {
  if (space === 'cmyk') {
    // Keep the decoded ink values (pipelineColourspace stops sharp's ICC import), then apply PIL's formula.
    const { data, info } = await sharp(input, { failOn: 'error' })
      .pipelineColourspace('cmyk')
      .autoOrient()
      .toColourspace('cmyk')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels < 4) throw new Error(`expected 4 CMYK channels, got ${info.channels}`);
    const rgb = cmykToRgbLikePil(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      info.channels,
    );
    return sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } });
  }
  return (
    sharp(input, { failOn: 'error' })
      .autoOrient()
      // Drop alpha the way PIL's convert('RGB') does (discard, no compositing), then force 8-bit sRGB.
      .removeAlpha()
      .toColourspace('srgb')
  );
}

/**
 * sharp's decode errors, made readable for skipped.csv: an empty file is "empty file" (sharp calls it an
 * "unsupported image format"), and a corrupt header the decoder gave no detail for does not end in a bare colon.
 */
export function describeDecodeError(input: string | Buffer, e: unknown): Error {
  const message = (e as Error)?.message ?? String(e);
  let empty = false;
  try {
    empty = typeof input === 'string' ? statSync(input).size === 0 : input.length === 0;
  } catch {
    // Unreadable: keep sharp's own message (it names the missing file).
  }
  if (empty) return new Error('empty file (0 bytes)');
  const first = message.split('\n')[0].trimEnd();
  if (first.endsWith(':')) {
    return new Error(`${first.slice(0, -1)} (no detail from the decoder)`);
  }
  return e instanceof Error ? e : new Error(message);
}

/** Decodes and preprocesses one image file (or encoded buffer) to the model's input geometry. */
export async function loadImageRgb(input: string | Buffer, spec: PreprocessSpec): Promise<RgbImage> {
  try {
    return await decodeAndPreprocess(input, spec);
  } catch (e) {
    throw describeDecodeError(input, e);
  }
}

async function decodeAndPreprocess(input: string | Buffer, spec: PreprocessSpec): Promise<RgbImage> {
  const meta = await sharp(input, { failOn: 'error' }).metadata();
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  if (!oriented.width || !oriented.height) throw new Error('image has no dimensions');

  let pipeline = await orientedRgb(input, meta.space);
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
