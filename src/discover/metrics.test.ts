import { describe, expect, it } from 'vitest';
import { leafMetrics, treeMetrics } from './metrics.js';

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

describe('treeMetrics: docs/method.md reference numbers', () => {
  it('reproduces the syringe tree (N 1406, F 284, split on feature 638)', () => {
    const m = treeMetrics([
      { leaf: 1, n: 395, failures: 139 },
      { leaf: 2, n: 1011, failures: 145 },
    ]);
    expect(round4(m.baseErrorRate)).toBe(0.202);
    expect(m.failureLeaves).toHaveLength(1);
    const left = m.failureLeaves[0];
    expect(left.leaf).toBe(1);
    expect(round4(left.errorRate)).toBe(0.3519);
    expect(round4(left.errorCoverage)).toBe(0.4894);
    expect(round4(left.importance)).toBe(0.1722);
    expect(round4(leafMetrics(1011, 145, 284).errorRate)).toBe(0.1434);
    expect(round4(m.aler)).toBe(0.2455);
    expect(round4(m.precision)).toBe(0.3519);
    expect(round4(m.recall)).toBe(0.4894);
  });

  it('reproduces the water jug tree (N 144, F 72, one pure leaf)', () => {
    const m = treeMetrics([
      { leaf: 1, n: 72, failures: 72 },
      { leaf: 2, n: 72, failures: 0 },
    ]);
    expect(m.baseErrorRate).toBe(0.5);
    expect(m.failureLeaves[0]).toMatchObject({ errorRate: 1, errorCoverage: 1 });
    expect([m.precision, m.recall, m.aler]).toEqual([1, 1, 1]);
  });
});

describe('metrics edge cases (docs/method.md §5b)', () => {
  it('F = 0: EC and IV are 0, no failure leaf, no division by zero', () => {
    const m = treeMetrics([{ leaf: 0, n: 10, failures: 0 }]);
    expect(m).toEqual({ baseErrorRate: 0, aler: 0, precision: 0, recall: 0, failureLeaves: [] });
  });
  it('F = N: no leaf beats BER = 1', () => {
    const m = treeMetrics([{ leaf: 0, n: 10, failures: 10 }]);
    expect(m.baseErrorRate).toBe(1);
    expect(m.failureLeaves).toEqual([]);
    expect(m.aler).toBe(1);
  });
  it('empty leaf and empty group', () => {
    expect(leafMetrics(0, 0, 5)).toEqual({
      n: 0,
      failures: 0,
      errorRate: 0,
      errorCoverage: 0,
      importance: 0,
    });
    expect(treeMetrics([]).baseErrorRate).toBe(0);
  });
  it('ALER >= BER and failure leaves are ranked by IV', () => {
    const m = treeMetrics([
      { leaf: 3, n: 10, failures: 9 },
      { leaf: 4, n: 50, failures: 5 },
      { leaf: 5, n: 40, failures: 30 },
    ]);
    expect(m.aler).toBeGreaterThanOrEqual(m.baseErrorRate);
    expect(m.failureLeaves.map((l) => l.leaf)).toEqual([5, 3]);
  });
});
