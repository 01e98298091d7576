import { describe, expect, it } from 'vitest';
import { fleissKappa } from './fleiss-kappa.js';

describe('fleissKappa', () => {
  it('reproduces the textbook example (Fleiss 1971 as worked on Wikipedia: 10 items, 14 raters, kappa 0.210)', () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const kappa = fleissKappa(table);
    expect(kappa).not.toBeNull();
    expect(kappa!).toBeCloseTo(0.20993, 4);
    expect(kappa!.toFixed(3)).toBe('0.210');
  });

  it('is 1 for perfect agreement across categories and negative for systematic disagreement', () => {
    expect(
      fleissKappa([
        [5, 0, 0],
        [0, 5, 0],
        [0, 0, 5],
      ]),
    ).toBeCloseTo(1, 12);
    expect(
      fleissKappa([
        [1, 1],
        [1, 1],
      ])!,
    ).toBeLessThan(0);
  });

  it('returns null when undefined (no item with two ratings, or a single category used)', () => {
    expect(fleissKappa([])).toBeNull();
    expect(fleissKappa([[1, 0, 0]])).toBeNull();
    expect(
      fleissKappa([
        [5, 0, 0],
        [5, 0, 0],
      ]),
    ).toBeNull();
  });

  it('accepts unequal rater counts and skips items with fewer than two ratings', () => {
    const equal = fleissKappa([
      [3, 0],
      [0, 3],
      [2, 1],
    ]);
    const withSingletons = fleissKappa([
      [3, 0],
      [0, 3],
      [2, 1],
      [1, 0],
    ]);
    expect(withSingletons).toBeCloseTo(equal!, 12);
    expect(
      fleissKappa([
        [4, 0],
        [0, 2],
        [2, 1],
      ]),
    ).not.toBeNull();
  });
});
