import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { escapeXml, renderContactSheet, sheetGeometry, type SheetLayout } from './contact-sheet.js';

function solid(rgb: [number, number, number], size = 8) {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) data.set(rgb, i * 3);
  return { data, width: size, height: size };
}

describe('contact sheet', () => {
  const layout: SheetLayout = {
    title: 'feature 12 <water_jug> & friends',
    tile: 40,
    rows: [
      { label: 'top', tiles: [solid([255, 0, 0]), solid([0, 255, 0])], captions: ['a\nb', 'c\nd'] },
      { label: 'heatmap', tiles: [solid([0, 0, 255]), solid([0, 0, 255])], captions: ['', ''] },
      { label: 'attack', tiles: [solid([10, 10, 10]), solid([10, 10, 10])], captions: ['1.0 -> 2.0', 'x'] },
    ],
  };

  it('places tiles on a grid with caption bands', async () => {
    const png = await renderContactSheet(layout);
    const geo = sheetGeometry(layout);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([geo.width, geo.height]);
    const pixel = (x: number, y: number) =>
      Array.from(
        data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
      );
    const centre = (r: number, c: number) => pixel(geo.columnLeft(c) + 20, geo.rowTop(r) + 20);
    expect(centre(0, 0)).toEqual([255, 0, 0]);
    expect(centre(0, 1)).toEqual([0, 255, 0]);
    expect(centre(1, 1)).toEqual([0, 0, 255]);
    expect(centre(2, 0)).toEqual([10, 10, 10]);
    expect(geo.captionLines).toBe(2);
  });

  it('escapes caption text for SVG', () => {
    expect(escapeXml('a<b & "c"')).toBe('a&lt;b &amp; &quot;c&quot;');
  });
});
