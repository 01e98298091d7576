import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Criterion } from './schema.js';
import { DEFAULT_TREE_OPTIONS, fitFailureTree, leafFor } from './tree.js';

interface FixtureNode {
  id: number;
  n: number;
  failures: number;
  feature: number | null;
  threshold: number | null;
  left: number | null;
  right: number | null;
  impurity: number;
}
interface TreeDataset {
  name: string;
  rows: number;
  cols: number;
  X: number[];
  y: number[];
  trees: {
    criterion: Criterion;
    maxDepth: number;
    minSamplesLeaf: number;
    classWeight: 'balanced' | 'none';
    nodes: FixtureNode[];
  }[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../../test/fixtures/discover/tree.json', import.meta.url), 'utf8'),
) as { cases: TreeDataset[] };

const cases = fixtures.cases.flatMap((d) =>
  d.trees.map(
    (t) =>
      [
        `${d.name} ${t.criterion} depth ${t.maxDepth} leaf ${t.minSamplesLeaf} ${t.classWeight}`,
        d,
        t,
      ] as const,
  ),
);

describe('fitFailureTree matches sklearn DecisionTreeClassifier (scripts/sklearn-fixtures.py)', () => {
  it('has fixtures', () => expect(cases.length).toBeGreaterThan(100));
  it.each(cases)('%s', (_name, d, t) => {
    const fitted = fitFailureTree(Float32Array.from(d.X), d.rows, d.cols, d.y, {
      ...DEFAULT_TREE_OPTIONS,
      criterion: t.criterion,
      maxDepth: t.maxDepth,
      minSamplesLeaf: t.minSamplesLeaf,
      classWeight: t.classWeight,
    });
    expect(fitted.nodes.length).toBe(t.nodes.length);
    for (const [i, expected] of t.nodes.entries()) {
      const got = fitted.nodes[i];
      expect(got.id).toBe(expected.id);
      expect(got.n).toBe(expected.n);
      expect(got.failures).toBe(expected.failures);
      expect(got.feature).toBe(expected.feature ?? undefined);
      expect(got.threshold).toBe(expected.threshold ?? undefined);
      expect(got.left).toBe(expected.left ?? undefined);
      expect(got.right).toBe(expected.right ?? undefined);
      expect(Math.abs(got.impurity - expected.impurity)).toBeLessThan(1e-12);
    }
  });
});

/** Column-major helper: columns[j][i] -> row-major Float32Array. */
function matrix(columns: number[][]): Float32Array {
  const rows = columns[0].length;
  const X = new Float32Array(rows * columns.length);
  columns.forEach((col, j) => col.forEach((v, i) => (X[i * columns.length + j] = v)));
  return X;
}

describe('fitFailureTree hand-built cases', () => {
  const y = [1, 1, 1, 0, 0, 0, 0, 0];
  const separating = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 1.0];

  it('breaks ties between identical features by the lowest own feature index', () => {
    const X = matrix([separating, separating, separating]);
    const fitted = fitFailureTree(X, 8, 3, y, DEFAULT_TREE_OPTIONS, [900, 17, 321]);
    expect(fitted.nodes[0].feature).toBe(17);
    expect(fitted.nodes[0].threshold).toBeCloseTo(0.45, 6);
  });

  it('breaks ties within a feature by the lowest threshold', () => {
    // Both 0.25 and 0.75 separate perfectly-equal halves of errors; the first (lowest) threshold wins.
    const X = matrix([[0, 0.5, 1, 1.5]]);
    const fitted = fitFailureTree(X, 4, 1, [1, 0, 0, 1], { ...DEFAULT_TREE_OPTIONS, classWeight: 'none' });
    expect(fitted.nodes[0].threshold).toBe(0.25);
  });

  it('makes no split on constant features, pure nodes or tiny groups', () => {
    const constant = fitFailureTree(matrix([Array(8).fill(2)]), 8, 1, y, DEFAULT_TREE_OPTIONS);
    expect(constant.nodes).toHaveLength(1);
    const pure = fitFailureTree(matrix([separating]), 8, 1, Array(8).fill(0), DEFAULT_TREE_OPTIONS);
    expect(pure.nodes).toHaveLength(1);
    const tiny = fitFailureTree(matrix([separating]), 8, 1, y, {
      ...DEFAULT_TREE_OPTIONS,
      minSamplesLeaf: 5,
    });
    expect(tiny.nodes).toHaveLength(1);
  });

  it('respects min samples per leaf', () => {
    const fitted = fitFailureTree(matrix([separating]), 8, 1, y, {
      ...DEFAULT_TREE_OPTIONS,
      minSamplesLeaf: 4,
    });
    expect(fitted.nodes.map((n) => n.n)).toEqual([8, 4, 4]);
  });

  it('routes samples with leafFor exactly as the fit partitioned them', () => {
    const fitted = fitFailureTree(matrix([separating]), 8, 1, y, DEFAULT_TREE_OPTIONS, [42]);
    separating.forEach((v, i) =>
      expect(leafFor(fitted.nodes, () => Math.fround(v))).toBe(fitted.leafOfRow[i]),
    );
  });

  it('rejects bad options and labels', () => {
    expect(() =>
      fitFailureTree(matrix([separating]), 8, 1, y, { ...DEFAULT_TREE_OPTIONS, maxDepth: -1 }),
    ).toThrow(/maxDepth/);
    expect(() =>
      fitFailureTree(matrix([separating]), 8, 1, [2, 0, 0, 0, 0, 0, 0, 0], DEFAULT_TREE_OPTIONS),
    ).toThrow(/not 0 or 1/);
  });
});
