/**
 * The failure tree as a node-link diagram: node colour = error rate (white -> red), the dark bar inside = error
 * coverage (share of the group's failures reaching the node), node width ~ sqrt(size), edges carry the thresholds.
 * Leaves that are failure modes link to their mode page.
 */
import type { TreeNode } from '../../../src/shared/api/discovery';
import { errorColour, num, pct } from '../format';
import { layoutTree } from '../../../src/shared/api/tree-layout';
import { navigate } from '../router';

const COL = 190;
const ROW = 130;
const MAX_W = 170;
const H = 64;

export function FailureTree(props: {
  nodes: TreeNode[];
  totalFailures: number;
  modeByLeaf: Map<number, string>;
  featureNames: Record<string, string>;
}) {
  const layout = layoutTree(props.nodes);
  const rootN = Math.max(1, props.nodes[0]?.n ?? 1);
  const width = Math.max(1, layout.columns) * COL + 20;
  const height = layout.rows * ROW + 10;
  const cx = (x: number) => 10 + x * COL + COL / 2;
  const cy = (y: number) => 10 + y * ROW;
  const label = (feature: number) => {
    const name = props.featureNames[String(feature)];
    return name ? `f${feature} '${name}'` : `f${feature}`;
  };
  return (
    <svg
      className="failure-tree"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label="failure tree"
    >
      {layout.edges.map((e) => (
        <g key={`${e.from.node.id}-${e.to.node.id}`}>
          <line x1={cx(e.from.x)} y1={cy(e.from.y) + H} x2={cx(e.to.x)} y2={cy(e.to.y)} stroke="#888" />
          <text
            x={(cx(e.from.x) + cx(e.to.x)) / 2 + (e.side === 'left' ? -6 : 6)}
            y={(cy(e.from.y) + H + cy(e.to.y)) / 2}
            textAnchor={e.side === 'left' ? 'end' : 'start'}
            className="edge-label"
          >
            {`${label(e.feature)} ${e.side === 'left' ? '<=' : '>'} ${num(e.threshold, 4)}`}
          </text>
        </g>
      ))}
      {layout.nodes.map((p) => {
        const n = p.node;
        const er = n.n ? n.failures / n.n : 0;
        const ec = props.totalFailures ? n.failures / props.totalFailures : 0;
        const w = Math.max(118, MAX_W * Math.sqrt(n.n / rootN));
        const x = cx(p.x) - w / 2;
        const y = cy(p.y);
        const mode = props.modeByLeaf.get(n.id);
        return (
          <g
            key={n.id}
            className={mode ? 'tree-node mode-node' : 'tree-node'}
            data-testid={mode ? `tree-mode-${n.id}` : `tree-node-${n.id}`}
            onClick={mode ? () => navigate(`/mode/${mode}`) : undefined}
          >
            <title>{`node ${n.id}: ${n.failures} failures of ${n.n}; error rate ${pct(er)}, coverage ${pct(ec)}`}</title>
            <rect
              x={x}
              y={y}
              width={w}
              height={H}
              rx={6}
              fill={errorColour(er)}
              stroke={mode ? '#b00' : '#666'}
            />
            <rect x={x + 4} y={y + H - 12} width={(w - 8) * ec} height={8} fill="#7a0000" />
            <rect
              x={x + 4}
              y={y + H - 12}
              width={w - 8}
              height={8}
              fill="none"
              stroke="#7a0000"
              strokeWidth={0.5}
            />
            <text x={cx(p.x)} y={y + 16} textAnchor="middle">{`n=${n.n}  F=${n.failures}`}</text>
            <text x={cx(p.x)} y={y + 32} textAnchor="middle">{`ER ${pct(er)}  EC ${pct(ec)}`}</text>
            {mode && (
              <text x={cx(p.x)} y={y + 46} textAnchor="middle" className="mode-tag">
                failure mode
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
