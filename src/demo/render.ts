/**
 * Draws one demo scene: procedural background, the class drawing rasterised by sharp (librsvg), an optional grey
 * occluder, lighting, blur and noise. Rasterising is the only step outside plain TypeScript; compositing and
 * effects are exact float arithmetic, so the same attributes give the same pixels.
 */
import sharp from 'sharp';
import { COLOURS, type SceneAttributes, type SceneMeasurements } from './attributes.js';
import { encodePng } from '../explain/heatmap.js';
import { renderBackground } from './background.js';
import {
  addNoise,
  applyBrightness,
  gaussianBlur,
  maskBox,
  occluderBox,
  paintOccluder,
  toBytes,
} from './effects.js';
import { mixSeed, Prng } from './prng.js';
import { objectSvg } from './shapes.js';

export interface RenderedScene {
  width: number;
  height: number;
  /** HWC RGB, 8 bit. */
  rgb: Uint8Array;
  /** 1 where the object is drawn (alpha >= 0.5), before occlusion. */
  objectMask: Uint8Array;
  /** 1 where the grey occluder is painted. */
  occluderMask: Uint8Array;
  measurements: SceneMeasurements;
}

/** Seeds of the independent random streams of one scene (background, occluder, noise). */
const STREAM = { background: 1, occluder: 2, noise: 3 } as const;

/** Rasterises the object alone on a transparent canvas: RGBA, 8 bit, width x height. */
export async function rasteriseObject(
  a: SceneAttributes,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const svg = objectSvg(a.cls, COLOURS[a.colour], a.pattern, {
    width,
    height,
    cx: a.x * width,
    cy: a.y * height,
    extent: a.scale * width,
    rotation: a.rotation,
  });
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 4) {
    throw new Error(
      `object raster is ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x4`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Everything after rasterisation: pure and deterministic. */
export function composeScene(
  a: SceneAttributes,
  objectRgba: Uint8Array,
  width: number,
  height: number,
): RenderedScene {
  let rgb = renderBackground(a.background, mixSeed(a.seed, STREAM.background), width, height);
  const pixels = width * height;
  const objectMask = new Uint8Array(pixels);
  let objectPixels = 0;
  for (let p = 0; p < pixels; p++) {
    const alpha = objectRgba[p * 4 + 3] / 255;
    if (alpha === 0) continue;
    for (let c = 0; c < 3; c++) {
      rgb[p * 3 + c] = rgb[p * 3 + c] * (1 - alpha) + (objectRgba[p * 4 + c] / 255) * alpha;
    }
    if (alpha >= 0.5) {
      objectMask[p] = 1;
      objectPixels++;
    }
  }
  let occluderMask: Uint8Array = new Uint8Array(pixels);
  let hidden = 0;
  const box = maskBox(objectMask, width, height);
  if (a.occluded && box) {
    const rng = new Prng(mixSeed(a.seed, STREAM.occluder));
    occluderMask = paintOccluder(rgb, occluderBox(box, rng, width, height), width, height);
    for (let p = 0; p < pixels; p++) if (objectMask[p] && occluderMask[p]) hidden++;
  }
  applyBrightness(rgb, a.brightness);
  rgb = gaussianBlur(rgb, width, height, a.blur);
  addNoise(rgb, a.noise, new Prng(mixSeed(a.seed, STREAM.noise)));
  return {
    width,
    height,
    rgb: toBytes(rgb),
    objectMask,
    occluderMask,
    measurements: {
      objectArea: objectPixels / pixels,
      occludedFraction: objectPixels > 0 ? hidden / objectPixels : 0,
    },
  };
}

export async function renderScene(a: SceneAttributes, width: number, height: number): Promise<RenderedScene> {
  return composeScene(a, await rasteriseObject(a, width, height), width, height);
}

/** PNG bytes of a rendered scene: explain's encoder at the highest compression (reproducible bytes). */
export function encodeScenePng(scene: RenderedScene): Promise<Buffer> {
  return encodePng({ data: scene.rgb, width: scene.width, height: scene.height }, 9);
}
