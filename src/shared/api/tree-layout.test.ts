import { describe, expect, it } from 'vitest';
import type { TreeNode } from './discovery.js';
import { layoutTree } from './tree-layout.js';

const node = (id: number, depth: number, children?: [number, number]): TreeNode => ({
  id,
  depth,
  n: 10,
  failures: 1,
  impurity: 0.5,
  ...(children ? { feature: 3, threshold: 0.5, left: children[0], right: children[1] } : {}),
});

describe('layoutTree', () => {
  it('puts leaves in left-to-right columns and parents over their children', () => {
    // 0 -> (1 -> (3, 4), 2)
    const layout = layoutTree([node(0, 0, [1, 2]), node(1, 1, [3, 4]), node(3, 2), node(4, 2), node(2, 1)]);
    const x = new Map(layout.nodes.map((p) => [p.node.id, p.x]));
    expect([x.get(3), x.get(4), x.get(2)]).toEqual([0, 1, 2]);
    expect(x.get(1)).toBe(0.5);
    expect(x.get(0)).toBe(1.25);
    expect(layout).toMatchObject({ columns: 3, rows: 3 });
    expect(layout.edges.map((e) => [e.from.node.id, e.to.node.id, e.side])).toEqual([
      [1, 3, 'left'],
      [1, 4, 'right'],
      [0, 1, 'left'],
      [0, 2, 'right'],
    ]);
  });

  it('lays out a single-leaf tree and an empty one', () => {
    expect(layoutTree([node(0, 0)])).toMatchObject({ columns: 1, rows: 1, edges: [] });
    expect(layoutTree([])).toMatchObject({ columns: 0, rows: 0, nodes: [] });
  });
});
