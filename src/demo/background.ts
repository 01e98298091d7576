/**
 * Procedural background textures, computed in plain TypeScript on float RGB buffers (values in [0, 1], HWC) so
 * they are identical on every machine for a given seed.
 */
import type { Background } from './attributes.js';
import { Prng } from './prng.js';

/** Smooth value noise: random values on a (cells+1)^2 grid, interpolated with smoothstep. Returns [0, 1]. */
function valueNoise(rng: Prng, cellsX: number, cellsY: number): (x: number, y: number) => number {
  const gx = cellsX + 1;
  const grid = new Float32Array(gx * (cellsY + 1));
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  return (x, y) => {
    // x, y in [0, 1]
    const fx = Math.min(x * cellsX, cellsX - 1e-6);
    const fy = Math.min(y * cellsY, cellsY - 1e-6);
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    const tx = fx - ix;
    const ty = fy - iy;
    const sx = tx * tx * (3 - 2 * tx);
    const sy = ty * ty * (3 - 2 * ty);
    const a = grid[iy * gx + ix];
    const b = grid[iy * gx + ix + 1];
    const c = grid[(iy + 1) * gx + ix];
    const d = grid[(iy + 1) * gx + ix + 1];
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

type Rgb = [number, number, number];

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Per-pixel colour function for one background kind; u, v are pixel centres in [0, 1]. */
function texture(kind: Background, rng: Prng, width: number, height: number): (u: number, v: number) => Rgb {
  switch (kind) {
    case 'water': {
      const warp = valueNoise(rng, 4, 4);
      const sparkle = valueNoise(rng, 16, 32);
      const phase = rng.uniform(0, 2 * Math.PI);
      const deep: Rgb = [0.05, 0.27, 0.52];
      const light: Rgb = [0.3, 0.58, 0.82];
      return (u, v) => {
        const wave = 0.5 + 0.5 * Math.sin(v * height * 0.85 + 6 * warp(u, v) + phase + u * 3);
        const c = mix(deep, light, 0.55 * wave + 0.25 * v);
        const s = sparkle(u, v) > 0.82 ? 0.25 : 0;
        return [c[0] + s, c[1] + s, c[2] + s];
      };
    }
    case 'grass': {
      const blades = valueNoise(rng, Math.round(width * 0.9), Math.round(height / 6));
      const patches = valueNoise(rng, 3, 3);
      const dark: Rgb = [0.1, 0.33, 0.08];
      const light: Rgb = [0.42, 0.7, 0.2];
      return (u, v) => mix(dark, light, 0.65 * blades(u, v) + 0.35 * patches(u, v));
    }
    case 'sky': {
      const clouds = valueNoise(rng, 5, 3);
      const detail = valueNoise(rng, 10, 6);
      const top: Rgb = [0.36, 0.6, 0.92];
      const horizon: Rgb = [0.74, 0.86, 0.98];
      return (u, v) => {
        const c = mix(top, horizon, v);
        const cloud = Math.max(0, 0.7 * clouds(u, v) + 0.3 * detail(u, v) - 0.55) * 3;
        return mix(c, [0.97, 0.97, 0.98], Math.min(1, cloud));
      };
    }
    case 'indoor': {
      const floorLine = rng.uniform(0.66, 0.78);
      const stripe = rng.uniform(5, 8);
      const grain = valueNoise(rng, 4, Math.round(height / 2));
      const wall: Rgb = [0.86, 0.79, 0.66];
      const floor: Rgb = [0.55, 0.35, 0.19];
      return (u, v) => {
        if (v < floorLine) {
          const s = Math.floor((u * width) / stripe) % 2 === 0 ? 0 : -0.05;
          return [wall[0] + s, wall[1] + s, wall[2] + s];
        }
        const board = Math.floor(((v - floorLine) * height) / 5) % 2 === 0 ? 0.04 : -0.04;
        const g = 0.12 * (grain(u, v) - 0.5) + board;
        return [floor[0] + g, floor[1] + g, floor[2] + g];
      };
    }
    case 'snow': {
      const drift = valueNoise(rng, 3, 3);
      const speck = valueNoise(rng, width, height);
      return (u, v) => {
        const shade = 0.1 * drift(u, v) + 0.06 * v;
        const dot = speck(u, v) > 0.9 ? -0.12 : 0;
        return [0.96 - shade + dot, 0.97 - shade * 0.7 + dot, 1.0 - shade * 0.3 + dot];
      };
    }
  }
}

/** A width x height background as float RGB (HWC) in [0, 1]. */
export function renderBackground(
  kind: Background,
  seed: number,
  width: number,
  height: number,
): Float32Array {
  const rng = new Prng(seed);
  const colour = texture(kind, rng, width, height);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colour((x + 0.5) / width, (y + 0.5) / height);
      const o = (y * width + x) * 3;
      out[o] = Math.min(1, Math.max(0, c[0]));
      out[o + 1] = Math.min(1, Math.max(0, c[1]));
      out[o + 2] = Math.min(1, Math.max(0, c[2]));
    }
  }
  return out;
}
