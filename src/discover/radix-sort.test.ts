import { describe, expect, it } from 'vitest';
import { RadixArgsort } from './radix-sort.js';

function check(values: number[]): void {
  const v = Float64Array.from(values);
  const order = new Int32Array(v.length);
  new RadixArgsort(v.length).sort(v, v.length, order);
  const expected = [...v.keys()].sort((a, b) => v[a] - v[b] || a - b);
  // -0 and 0 are equal values; compare them as equal.
  expect(Array.from(order).map((i) => v[i] + 0)).toEqual(expected.map((i) => v[i] + 0));
  expect(new Set(order).size).toBe(v.length);
}

describe('RadixArgsort', () => {
  it('sorts negatives, zeros, duplicates and near-equal float64 values', () => {
    check([3, -1, 0, -0, 2.5, -7.25, 2.5, 1e-300, -1e-300, 1 + 1e-15, 1, 1 - 1e-16, 1e30, -1e30]);
  });
  it('orders values that share a float32 key prefix and differ only in low float32 or float64 bits', () => {
    const base = 0.7;
    check([
      base * (1 + 2 ** -20),
      base,
      base * (1 + 2 ** -16),
      base * (1 + 2 ** -40),
      base * (1 - 2 ** -22),
      -base,
    ]);
    check(Array.from({ length: 500 }, (_, i) => 1 + ((i * 7919) % 500) * 2 ** -30));
  });
  it('sorts random data of several sizes and is stable for equal values', () => {
    for (const n of [1, 2, 7, 100, 1300]) {
      check(Array.from({ length: n }, () => Math.round((Math.random() - 0.3) * 50) / 7));
    }
    const v = Float64Array.from([2, 1, 2, 1]);
    const order = new Int32Array(4);
    new RadixArgsort(4).sort(v, 4, order);
    expect(Array.from(order)).toEqual([1, 3, 0, 2]);
  });
});
