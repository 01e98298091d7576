/** The failure tree as static SVG markup for the report (same encoding as the explorer's tree). */
import type { TreeNode } from '../discover/schema.js';
import { layoutTree } from '../shared/api/tree-layout.js';
import { formatThreshold } from '../discover/rules.js';
import { html, type SafeHtml } from './html.js';

const COL = 190;
const ROW = 120;
const H = 56;

function colour(rate: number): string {
  const t = Math.max(0, Math.min(1, rate));
  const g = Math.round(235 - 190 * t);
  return `rgb(${Math.round(250 - 20 * t)},${g},${g})`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function treeSvg(
  nodes: TreeNode[],
  modeLinks: Map<number, string>,
  names: ReadonlyMap<number, string>,
): SafeHtml {
  const layout = layoutTree(nodes);
  const rootN = Math.max(1, nodes[0]?.n ?? 1);
  const totalF = nodes[0]?.failures ?? 0;
  const width = Math.max(1, layout.columns) * COL + 20;
  const height = layout.rows * ROW + 10;
  const cx = (x: number) => 10 + x * COL + COL / 2;
  const cy = (y: number) => 10 + y * ROW;
  const label = (f: number) => (names.get(f) ? `f${f} '${names.get(f)}'` : `f${f}`);
  const edges = layout.edges.map(
    (e) =>
      html`<line
          x1="${cx(e.from.x)}"
          y1="${cy(e.from.y) + H}"
          x2="${cx(e.to.x)}"
          y2="${cy(e.to.y)}"
          stroke="#888"
        />
        <text
          class="edge"
          x="${(cx(e.from.x) + cx(e.to.x)) / 2 + (e.side === 'left' ? -6 : 6)}"
          y="${(cy(e.from.y) + H + cy(e.to.y)) / 2}"
          text-anchor="${e.side === 'left' ? 'end' : 'start'}"
          >${label(e.feature)} ${e.side === 'left' ? '<=' : '>'} ${formatThreshold(e.threshold)}</text
        >`,
  );
  const boxes = layout.nodes.map((p) => {
    const n = p.node;
    const er = n.n ? n.failures / n.n : 0;
    const ec = totalF ? n.failures / totalF : 0;
    const w = Math.max(118, 170 * Math.sqrt(n.n / rootN));
    const x = cx(p.x) - w / 2;
    const y = cy(p.y);
    const box = html`<rect
        x="${x}"
        y="${y}"
        width="${w}"
        height="${H}"
        rx="6"
        fill="${colour(er)}"
        stroke="#666"
      />
      <rect x="${x + 4}" y="${y + H - 12}" width="${(w - 8) * ec}" height="8" fill="#7a0000" />
      <text x="${cx(p.x)}" y="${y + 16}" text-anchor="middle">n=${n.n} F=${n.failures}</text>
      <text x="${cx(p.x)}" y="${y + 32}" text-anchor="middle">ER ${pct(er)} EC ${pct(ec)}</text>`;
    const link = modeLinks.get(n.id);
    return link ? html`<a href="${link}">${box}</a>` : box;
  });
  return html`<svg
    class="tree"
    xmlns="http://www.w3.org/2000/svg"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
  >
    ${edges}${boxes}
  </svg>`;
}
