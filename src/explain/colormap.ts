/**
 * The jet colormap (blue = low, red = high), as matplotlib defines it: piecewise-linear channels through these
 * control points, evaluated exactly (no 256-entry lookup table) and rounded to 8 bits.
 */
type Segment = readonly (readonly [number, number])[];

const RED: Segment = [
  [0, 0],
  [0.35, 0],
  [0.66, 1],
  [0.89, 1],
  [1, 0.5],
];
const GREEN: Segment = [
  [0, 0],
  [0.125, 0],
  [0.375, 1],
  [0.64, 1],
  [0.91, 0],
  [1, 0],
];
const BLUE: Segment = [
  [0, 0.5],
  [0.11, 1],
  [0.34, 1],
  [0.65, 0],
  [1, 0],
];

function channel(segment: Segment, v: number): number {
  for (let i = 1; i < segment.length; i++) {
    const [x1, y1] = segment[i];
    if (v <= x1) {
      const [x0, y0] = segment[i - 1];
      return y0 + ((v - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return segment[segment.length - 1][1];
}

/** RGB (0-255) of a value in [0,1] (clamped; NaN counts as 0). */
export function jet(value: number): [number, number, number] {
  const v = Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
  return [
    Math.round(channel(RED, v) * 255),
    Math.round(channel(GREEN, v) * 255),
    Math.round(channel(BLUE, v) * 255),
  ];
}

/** Colours a map of values in [0,1] into interleaved RGB bytes. */
export function colorize(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) out.set(jet(values[i]), i * 3);
  return out;
}
