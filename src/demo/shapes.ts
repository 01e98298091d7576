/**
 * SVG drawings of the demo classes, in a 100 x 100 unit box centred on (50, 50) and about 90 units wide.
 * Parts marked BODY take the scene's object colour (and its surface pattern); the other parts keep fixed colours,
 * so "a red car" means a red body with dark wheels and pale windows.
 */
import type { DemoClass, Pattern } from './attributes.js';

/** Marker replaced by the fill of the body parts. */
const BODY = '__BODY__';

/** Each entry: body parts (filled with the object colour) and detail parts drawn on top. */
interface Drawing {
  /** Drawn first, in fixed colours (e.g. a mast behind the sails). */
  under?: string;
  body: string;
  /** Drawn after the body. */
  over: string;
}

const WINDOW = '#cfe3f0';
const DARK = '#222222';

const DRAWINGS: Record<DemoClass, Drawing> = {
  boat: {
    under: `<rect x="48.5" y="10" width="3" height="54" fill="#5a3a1a"/>`,
    body:
      `<path d="M53 13 L53 58 L86 58 Z" fill="${BODY}"/>` +
      `<path d="M47 22 L47 58 L20 58 Z" fill="${BODY}"/>` +
      `<path d="M6 62 L94 62 L81 84 L19 84 Z" fill="${BODY}"/>`,
    over: `<path d="M6 62 L94 62 L92 66 L8 66 Z" fill="#000" fill-opacity="0.35"/>`,
  },
  car: {
    body: `<path d="M5 68 L5 53 Q6 46 16 45 L28 44 L38 30 Q41 26 46 26 L64 26 Q69 26 72 30 L83 44 Q94 46 95 55 L95 68 Z" fill="${BODY}"/>`,
    over:
      `<path d="M40 43 L47 31 L57 31 L57 43 Z" fill="${WINDOW}"/>` +
      `<path d="M61 43 L61 31 L67 31 L76 43 Z" fill="${WINDOW}"/>` +
      `<circle cx="26" cy="68" r="11" fill="${DARK}"/><circle cx="26" cy="68" r="4.5" fill="#aaaaaa"/>` +
      `<circle cx="74" cy="68" r="11" fill="${DARK}"/><circle cx="74" cy="68" r="4.5" fill="#aaaaaa"/>` +
      `<rect x="89" y="50" width="6" height="5" fill="#fff3a0"/>`,
  },
  bird: {
    under: `<path d="M44 70 L41 86 M55 70 L58 86" stroke="#444" stroke-width="3" fill="none"/>`,
    body:
      `<path d="M8 42 L30 50 L29 60 L6 62 Z" fill="${BODY}"/>` +
      `<ellipse cx="48" cy="56" rx="27" ry="17" fill="${BODY}"/>` +
      `<circle cx="74" cy="38" r="13" fill="${BODY}"/>`,
    over:
      `<path d="M85 34 L98 40 L85 45 Z" fill="#f0a020"/>` +
      `<circle cx="78" cy="35" r="2.8" fill="#111"/>` +
      `<path d="M32 51 Q50 28 68 48 Q52 60 32 51 Z" fill="#000" fill-opacity="0.28"/>`,
  },
  fish: {
    body:
      `<path d="M8 50 Q38 16 72 50 Q38 84 8 50 Z" fill="${BODY}"/>` +
      `<path d="M66 50 L94 28 L87 50 L94 72 Z" fill="${BODY}"/>` +
      `<path d="M30 30 Q44 16 56 32 Z" fill="${BODY}"/>`,
    over:
      `<path d="M30 38 Q36 50 30 62" stroke="#000" stroke-opacity="0.45" stroke-width="2.5" fill="none"/>` +
      `<circle cx="21" cy="46" r="4.5" fill="#fff"/><circle cx="20" cy="46" r="2.4" fill="#111"/>`,
  },
  house: {
    under: `<rect x="65" y="18" width="9" height="20" fill="#5b2a1c"/>`,
    body: `<rect x="18" y="46" width="64" height="42" fill="${BODY}"/>`,
    over:
      `<path d="M10 49 L50 14 L90 49 Z" fill="#5b2a1c"/>` +
      `<rect x="44" y="64" width="13" height="24" fill="#3d2210"/>` +
      `<rect x="25" y="55" width="13" height="12" fill="${WINDOW}"/>` +
      `<rect x="63" y="55" width="13" height="12" fill="${WINDOW}"/>`,
  },
  tree: {
    under: `<rect x="43" y="56" width="14" height="36" fill="#6b4423"/>`,
    body:
      `<circle cx="50" cy="32" r="24" fill="${BODY}"/>` +
      `<circle cx="30" cy="50" r="17" fill="${BODY}"/>` +
      `<circle cx="70" cy="50" r="17" fill="${BODY}"/>` +
      `<circle cx="50" cy="54" r="15" fill="${BODY}"/>`,
    over: `<path d="M30 44 Q38 40 44 46 M58 30 Q64 26 70 32" stroke="#000" stroke-opacity="0.3" stroke-width="2.5" fill="none"/>`,
  },
  airplane: {
    body:
      `<path d="M46 14 Q50 2 54 14 L55 82 Q50 90 45 82 Z" fill="${BODY}"/>` +
      `<path d="M47 36 L5 58 L5 65 L47 54 Z" fill="${BODY}"/>` +
      `<path d="M53 36 L95 58 L95 65 L53 54 Z" fill="${BODY}"/>` +
      `<path d="M47 72 L30 85 L30 90 L50 84 L70 90 L70 85 L53 72 Z" fill="${BODY}"/>`,
    over:
      `<ellipse cx="50" cy="19" rx="2.6" ry="6" fill="${WINDOW}"/>` +
      `<rect x="20" y="54" width="5" height="8" fill="${DARK}"/><rect x="75" y="54" width="5" height="8" fill="${DARK}"/>`,
  },
  mug: {
    under: `<path d="M70 38 Q94 38 94 57 Q94 76 70 76" stroke="#555" stroke-width="9" fill="none"/>`,
    body: `<path d="M16 26 L72 26 L72 78 Q72 90 60 90 L28 90 Q16 90 16 78 Z" fill="${BODY}"/>`,
    over:
      `<ellipse cx="44" cy="26" rx="28" ry="4.5" fill="#3b2414"/>` +
      `<path d="M22 34 L22 78" stroke="#fff" stroke-opacity="0.35" stroke-width="4"/>`,
  },
};

/** The pattern overlay drawn over the body parts: light stripes or dots, in the object's own frame. */
function patternDefs(pattern: Pattern): string {
  if (pattern === 'stripes') {
    return (
      `<pattern id="pat" patternUnits="userSpaceOnUse" width="100" height="14">` +
      `<rect x="0" y="0" width="100" height="6" fill="#ffffff" fill-opacity="0.85"/></pattern>`
    );
  }
  if (pattern === 'dots') {
    return (
      `<pattern id="pat" patternUnits="userSpaceOnUse" width="16" height="16">` +
      `<circle cx="8" cy="8" r="4" fill="#ffffff" fill-opacity="0.85"/></pattern>`
    );
  }
  return '';
}

export interface ObjectPlacement {
  /** Output size in pixels. */
  width: number;
  height: number;
  /** Object centre, pixels. */
  cx: number;
  cy: number;
  /** Object extent in pixels (the 90-unit drawing is scaled to this). */
  extent: number;
  rotation: number;
}

/** A complete SVG document with the object alone on a transparent canvas. */
export function objectSvg(cls: DemoClass, fill: string, pattern: Pattern, place: ObjectPlacement): string {
  const d = DRAWINGS[cls];
  const s = place.extent / 90;
  const transform =
    `translate(${place.cx.toFixed(3)} ${place.cy.toFixed(3)}) rotate(${place.rotation.toFixed(3)}) ` +
    `scale(${s.toFixed(5)}) translate(-50 -50)`;
  const body = d.body.split(BODY).join(fill);
  const overlay = pattern === 'plain' ? '' : d.body.split(BODY).join('url(#pat)');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${place.width}" height="${place.height}" ` +
    `viewBox="0 0 ${place.width} ${place.height}"><defs>${patternDefs(pattern)}</defs>` +
    `<g transform="${transform}">${d.under ?? ''}${body}${overlay}${d.over}</g></svg>`
  );
}
