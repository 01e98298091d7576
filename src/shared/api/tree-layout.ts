/**
 * Node-link layout of a failure tree (pure; no drawing): leaves get consecutive columns in left-to-right order,
 * an internal node sits centred over its children, rows are depths.
 */
import type { TreeNode } from './discovery.js';

export interface PlacedNode {
  node: TreeNode;
  /** Column centre in leaf units (0 = first leaf) and row (= depth). */
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: PlacedNode;
  to: PlacedNode;
  /** "feature 12 <= 0.5" style label parts. */
  feature: number;
  threshold: number;
  side: 'left' | 'right';
}

export interface TreeLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  columns: number;
  rows: number;
}

export function layoutTree(nodes: TreeNode[]): TreeLayout {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const placed = new Map<number, PlacedNode>();
  const edges: PlacedEdge[] = [];
  let nextColumn = 0;
  let rows = 0;
  const place = (id: number): PlacedNode => {
    const node = byId.get(id);
    if (!node) throw new Error(`tree node ${id} is missing`);
    rows = Math.max(rows, node.depth + 1);
    let p: PlacedNode;
    if (node.left === undefined || node.right === undefined) {
      p = { node, x: nextColumn++, y: node.depth };
    } else {
      const l = place(node.left);
      const r = place(node.right);
      p = { node, x: (l.x + r.x) / 2, y: node.depth };
      edges.push({
        from: p,
        to: l,
        feature: node.feature ?? -1,
        threshold: node.threshold ?? 0,
        side: 'left',
      });
      edges.push({
        from: p,
        to: r,
        feature: node.feature ?? -1,
        threshold: node.threshold ?? 0,
        side: 'right',
      });
    }
    placed.set(id, p);
    return p;
  };
  if (nodes.length > 0) place(nodes[0].id);
  return {
    nodes: [...placed.values()].sort((a, b) => a.node.id - b.node.id),
    edges,
    columns: nextColumn,
    rows,
  };
}
