/**
 * The contact sheet of one feature: a title, then rows of equally sized tiles (top images, heatmaps, attacks),
 * each tile with a caption band under it. Captions are SVG text composited with sharp, so no font files are
 * needed beyond what librsvg finds.
 */
import sharp from 'sharp';
import type { RgbRaster } from './heatmap.js';

export interface SheetRow {
  label: string;
  tiles: RgbRaster[];
  /** One caption per tile; each may hold several lines separated by "\n". */
  captions: string[];
}

export interface SheetLayout {
  title: string;
  rows: SheetRow[];
  /** Tile edge in pixels (tiles are resized to tile x tile). Default 160. */
  tile?: number;
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
const LINE = 13;
const GAP = 6;
const LABEL_WIDTH = 22;
const TITLE_HEIGHT = 26;

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

/** Geometry of the sheet, exported for tests. */
export function sheetGeometry(layout: SheetLayout): {
  width: number;
  height: number;
  tile: number;
  captionLines: number;
  columns: number;
  rowTop: (row: number) => number;
  columnLeft: (column: number) => number;
} {
  const tile = layout.tile ?? 160;
  const columns = Math.max(1, ...layout.rows.map((r) => r.tiles.length));
  const captionLines = Math.max(
    1,
    ...layout.rows.flatMap((r) => r.captions.map((c) => c.split('\n').length)),
  );
  const rowHeight = tile + captionLines * LINE + GAP;
  return {
    width: LABEL_WIDTH + columns * (tile + GAP) + GAP,
    height: TITLE_HEIGHT + layout.rows.length * rowHeight + GAP,
    tile,
    captionLines,
    columns,
    rowTop: (row) => TITLE_HEIGHT + row * rowHeight,
    columnLeft: (column) => LABEL_WIDTH + GAP + column * (tile + GAP),
  };
}

function textSvg(layout: SheetLayout, geo: ReturnType<typeof sheetGeometry>): string {
  const parts: string[] = [];
  // Long titles (e.g. with an attack budget) shrink to fit the sheet: bold sans glyphs average ~0.6 em.
  const titleSize = Math.min(14, (geo.width - 2 * GAP) / (0.6 * Math.max(1, layout.title.length)));
  parts.push(
    `<text x="${GAP}" y="18" font-family="${FONT}" font-size="${titleSize.toFixed(1)}" font-weight="bold" fill="#111">${escapeXml(layout.title)}</text>`,
  );
  layout.rows.forEach((row, r) => {
    const top = geo.rowTop(r);
    const cy = top + geo.tile / 2;
    parts.push(
      `<text x="14" y="${cy}" font-family="${FONT}" font-size="11" fill="#444" text-anchor="middle" transform="rotate(-90 14 ${cy})">${escapeXml(row.label)}</text>`,
    );
    row.captions.forEach((caption, c) => {
      const left = geo.columnLeft(c);
      caption.split('\n').forEach((line, l) => {
        parts.push(
          `<text x="${left + geo.tile / 2}" y="${top + geo.tile + LINE * (l + 1) - 2}" font-family="${FONT}" font-size="10.5" fill="#222" text-anchor="middle">${escapeXml(line)}</text>`,
        );
      });
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${geo.width}" height="${geo.height}">${parts.join('')}</svg>`;
}

/** Renders the sheet as PNG bytes. */
export async function renderContactSheet(layout: SheetLayout): Promise<Buffer> {
  const geo = sheetGeometry(layout);
  const tiles = await Promise.all(
    layout.rows.flatMap((row, r) =>
      row.tiles.map(async (t, c) => ({
        input: await sharp(Buffer.from(t.data), { raw: { width: t.width, height: t.height, channels: 3 } })
          .resize(geo.tile, geo.tile, { fit: 'fill' })
          .png()
          .toBuffer(),
        left: geo.columnLeft(c),
        top: geo.rowTop(r),
      })),
    ),
  );
  return sharp({ create: { width: geo.width, height: geo.height, channels: 3, background: '#ffffff' } })
    .composite([...tiles, { input: Buffer.from(textSvg(layout, geo)), left: 0, top: 0 }])
    .png()
    .toBuffer();
}
