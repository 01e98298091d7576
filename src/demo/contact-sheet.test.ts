import { describe, expect, it } from 'vitest';
import { blendHeatmap, jet, upsampleBilinear } from './contact-sheet.js';

describe('contact sheet helpers', () => {
  it('jet runs from blue (low) to red (high)', () => {
    const [r0, , b0] = jet(0);
    const [r1, , b1] = jet(1);
    expect(b0).toBeGreaterThan(r0);
    expect(r1).toBeGreaterThan(b1);
    expect(jet(0.5)[1]).toBe(1);
  });

  it('bilinear upsampling keeps constants and interpolates between cells', () => {
    const flat = upsampleBilinear(new Float32Array([2, 2, 2, 2]), 2, 2, 8, 8);
    expect([...flat].every((v) => v === 2)).toBe(true);
    const ramp = upsampleBilinear(new Float32Array([0, 1]), 1, 2, 1, 4);
    expect([...ramp]).toEqual([0, 0.25, 0.75, 1]);
  });

  it('blending keeps half of the image', () => {
    const out = blendHeatmap(new Uint8Array([200, 100, 0]), new Float32Array([1]));
    expect(out[0]).toBe(Math.round(100 + 127.5 * jet(1)[0]));
    expect(out[2]).toBe(Math.round(0 + 127.5 * jet(1)[2]));
  });
});
