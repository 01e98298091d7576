import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cmykToRgbLikePil, cropGeometry, loadImageRgb, toInputTensor } from './preprocess.js';
import type { PreprocessSpec } from '../run/format.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'image');

const spec = (over: Partial<PreprocessSpec>): PreprocessSpec => ({
  mode: 'resize',
  width: 2,
  height: 2,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  ...over,
});

/** A 2x2 RGB image with four distinct pixels, row-major. */
const PIXELS = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];

async function png(
  pixels: number[],
  width: number,
  height: number,
  channels: 1 | 3 | 4 = 3,
): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels } }).png().toBuffer();
}

describe('cropGeometry', () => {
  it('follows torchvision Resize(256) + CenterCrop(224) for landscape and portrait images', () => {
    // 500x375 -> shorter side 256: 341x256; crop left = round((341-224)/2) = round(58.5) = 58 (half to even).
    expect(cropGeometry(500, 375, { resize: 256, width: 224, height: 224 })).toEqual({
      resizedWidth: 341,
      resizedHeight: 256,
      left: 58,
      top: 16,
    });
    expect(cropGeometry(375, 500, { resize: 256, width: 224, height: 224 })).toEqual({
      resizedWidth: 256,
      resizedHeight: 341,
      left: 16,
      top: 58,
    });
  });
});

describe('loadImageRgb', () => {
  it('keeps pixels exactly when no resampling is needed', async () => {
    const img = await loadImageRgb(await png(PIXELS, 2, 2), spec({}));
    expect([...img.data]).toEqual(PIXELS);
    expect([img.width, img.height]).toEqual([2, 2]);
  });

  it('normalises to NCHW with mean and std, pixel-exact against a hand computation', async () => {
    const img = await loadImageRgb(await png(PIXELS, 2, 2), spec({}));
    const s = spec({ mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] });
    const t = toInputTensor([img], s);
    // Channel R of the four pixels: (255/255-0.5)/0.5 = 1, (0-0.5)/0.5 = -1, -1, (10/255-0.5)/0.5
    const expected = [
      1,
      -1,
      -1,
      (10 / 255 - 0.5) / 0.5,
      -1,
      3,
      -1,
      (20 / 255 - 0.25) / 0.25,
      0,
      0,
      0.5,
      30 / 255 / 2,
    ];
    expect(t.length).toBe(12);
    [...t].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('center-crops in crop mode', async () => {
    // 4x2 image: columns 0..3 have grey values 0, 100, 200, 250. Crop 2x2 from a 4x2 (resize 2 = shorter side).
    const row = [0, 100, 200, 250].flatMap((v) => [v, v, v]);
    const img = await loadImageRgb(await png([...row, ...row], 4, 2), spec({ mode: 'crop', resize: 2 }));
    expect([...img.data]).toEqual([100, 100, 100, 200, 200, 200, 100, 100, 100, 200, 200, 200]);
  });

  it('expands greyscale to three equal channels', async () => {
    const img = await loadImageRgb(await png([0, 50, 100, 150], 2, 2, 1), spec({}));
    expect([...img.data]).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 150, 150, 150]);
  });

  it('drops alpha without compositing', async () => {
    const rgba = [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 0];
    const img = await loadImageRgb(await png(rgba, 2, 2, 4), spec({}));
    expect([...img.data]).toEqual(PIXELS);
  });

  it('reduces 16-bit images to 8 bits', async () => {
    const sixteen = await sharp(Buffer.from(PIXELS), { raw: { width: 2, height: 2, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    const img = await loadImageRgb(sixteen, spec({}));
    expect([...img.data]).toEqual(PIXELS);
  });

  it('converts CMYK JPEGs to RGB', async () => {
    const cmyk = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 30 } },
    })
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = await loadImageRgb(cmyk, spec({ width: 8, height: 8 }));
    const [r, g, b] = img.data;
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
  });

  it('converts CMYK JPEGs like PIL convert("RGB"), not with an ICC transform', async () => {
    // scripts/cmyk-fixture.py: a 32x24 CMYK JPEG and PIL 9.4's decoding of it. Before this conversion existed,
    // sharp's colour-managed CMYK->sRGB was off by a mean of 15.5/255 (max 116) on this file.
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'cmyk.pil.json'), 'utf8')) as {
      width: number;
      height: number;
      cmyk: number[];
      rgb: number[];
    };
    const img = await loadImageRgb(
      join(FIXTURES, 'cmyk.jpg'),
      spec({ width: ref.width, height: ref.height }),
    );
    let maxDiff = 0;
    img.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref.rgb[i]))));
    // Both decoders are libjpeg-turbo with the same IDCT and the same formula: measured equal byte for byte.
    // The tolerance of 1 leaves room for another libjpeg build's rounding.
    expect(maxDiff).toBeLessThanOrEqual(1);
    // The formula alone, on PIL's own decoded ink values: exact.
    expect([...cmykToRgbLikePil(Uint8Array.from(ref.cmyk))]).toEqual(ref.rgb);
  });

  it('converts CMYK the same way when the JPEG embeds a CMYK ICC profile (PIL ignores it)', async () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'cmyk.pil.json'), 'utf8')) as {
      width: number;
      height: number;
      cmyk: number[];
    };
    const withProfile = await sharp(Buffer.from(ref.cmyk), {
      raw: { width: ref.width, height: ref.height, channels: 4 },
    })
      .pipelineColourspace('cmyk')
      .toColourspace('cmyk')
      .withIccProfile('cmyk')
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
    expect((await sharp(withProfile).metadata()).hasProfile).toBe(true);
    const ink = await sharp(withProfile).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer();
    const img = await loadImageRgb(withProfile, spec({ width: ref.width, height: ref.height }));
    expect([...img.data]).toEqual([...cmykToRgbLikePil(new Uint8Array(ink))]);
  });

  it('applies EXIF orientation before resizing', async () => {
    // Stored 2 wide x 1 high (red, blue); orientation 6 = rotate 90 clockwise -> 1 wide x 2 high (red over blue).
    const stored = await sharp(Buffer.from([255, 0, 0, 0, 0, 255]), {
      raw: { width: 2, height: 1, channels: 3 },
    })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer();
    const img = await loadImageRgb(stored, spec({ width: 1, height: 2 }));
    expect([...img.data]).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('rejects a file that is not an image', async () => {
    await expect(loadImageRgb(Buffer.from('not an image at all'), spec({}))).rejects.toThrow();
  });

  it('calls a zero-byte file an empty file, not an unsupported format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-empty-'));
    try {
      const file = join(dir, 'empty.jpg');
      writeFileSync(file, '');
      await expect(loadImageRgb(file, spec({}))).rejects.toThrow(/^empty file/);
      await expect(loadImageRgb(Buffer.alloc(0), spec({}))).rejects.toThrow(/^empty file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never gives a reason that ends in a bare colon (a PNG cut after its signature)', async () => {
    const signatureOnly = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const error = await loadImageRgb(signatureOnly, spec({})).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const firstLine = (error as Error).message.split('\n')[0];
    expect(firstLine).toMatch(/corrupt header/);
    expect(firstLine).not.toMatch(/:\s*$/);
  });
});
