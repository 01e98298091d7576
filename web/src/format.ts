/** Number formatting shared by the pages. */
export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(digits)}%`;

export const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x.toFixed(digits)).toString();

/** White -> red as the error rate goes 0 -> 1 (the tree's node colour). */
export function errorColour(rate: number): string {
  const t = Math.max(0, Math.min(1, rate));
  const g = Math.round(235 - 190 * t);
  return `rgb(${Math.round(250 - 20 * t)}, ${g}, ${g})`;
}
