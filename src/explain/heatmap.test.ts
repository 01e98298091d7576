import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colorize, jet } from './colormap.js';
import { blendOverlay, encodePng, heatmapColors, normalizeMap, upsampleBilinear } from './heatmap.js';

describe('jet colormap', () => {
  it('goes from dark blue through cyan, yellow to dark red', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.11)).toEqual([0, 0, 255]);
    expect(jet(0.5)).toEqual([123, 255, 123]);
    expect(jet(0.89)).toEqual([255, 19, 0]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect(jet(-3)).toEqual(jet(0));
    expect(jet(Number.NaN)).toEqual(jet(0));
  });
});

describe('heatmap of a hand-made 2x2 map', () => {
  // [[-1, 4], [2, 1]] -> clamp at 0, / max -> [[0, 1], [0.5, 0.25]]
  const map = [-1, 4, 2, 1];

  it('normalises by the maximum after clamping at 0', () => {
    expect(Array.from(normalizeMap(map))).toEqual([0, 1, 0.5, 0.25]);
    expect(Array.from(normalizeMap([-1, -2]))).toEqual([0, 0]);
  });

  it('upsamples to 4x4 with half-pixel centres (align_corners = false)', () => {
    const up = upsampleBilinear(normalizeMap(map), 2, 2, 4, 4);
    // Sample positions along each axis: -0.25 -> 0 (clamped), 0.25, 0.75, 1.25 -> 1 (clamped).
    const expected = [
      [0, 0.25, 0.75, 1],
      [0.125, 0.296875, 0.640625, 0.8125],
      [0.375, 0.390625, 0.421875, 0.4375],
      [0.5, 0.4375, 0.3125, 0.25],
    ].flat();
    expected.forEach((v, i) => expect(up[i]).toBeCloseTo(v, 6));
  });

  it('colours the upsampled map pixel by pixel', () => {
    const rgb = heatmapColors(map, 2, 2, 4, 4);
    expect(Array.from(rgb.subarray(0, 3))).toEqual([0, 0, 128]); // top-left: 0 -> dark blue
    expect(Array.from(rgb.subarray(9, 12))).toEqual([128, 0, 0]); // top-right: 1 -> dark red
    expect(Array.from(rgb.subarray(15 * 3, 16 * 3))).toEqual(jet(0.25)); // bottom-right: 0.25
    expect(Array.from(rgb.subarray(12 * 3, 13 * 3))).toEqual(jet(0.5)); // bottom-left: 0.5
    expect(Array.from(colorize([0.6875]))).toEqual(jet(0.6875));
  });

  it('blends the colours onto the image at the given opacity', async () => {
    const image = { data: new Uint8Array(4 * 4 * 3).fill(200), width: 4, height: 4 };
    const out = await blendOverlay(image, heatmapColors(map, 2, 2, 4, 4), 0.5);
    // top-left: 0.5 * (0, 0, 128) + 0.5 * 200 (sharp rounds the 8-bit alpha, so allow 1 level)
    const expected = [100, 100, 164];
    expected.forEach((v, c) => expect(Math.abs(out[c] - v)).toBeLessThanOrEqual(1));
    const topRight = [164, 100, 100];
    topRight.forEach((v, c) => expect(Math.abs(out[9 + c] - v)).toBeLessThanOrEqual(1));
  });
});

describe('encodePng (the one PNG encoder)', () => {
  it('is lossless and gives the same bytes for the same pixels, at any compression level', async () => {
    const image = {
      data: Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256),
      width: 4,
      height: 3,
    };
    for (const level of [6, 9]) {
      const png = await encodePng(image, level);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 4, height: 3, channels: 3 });
      expect([...data]).toEqual([...image.data]);
      expect((await encodePng(image, level)).equals(png)).toBe(true);
    }
  });
});
