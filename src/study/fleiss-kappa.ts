/**
 * Fleiss' kappa (Fleiss 1971) for many raters and nominal categories.
 *
 * Input: one row per rated item, row[j] = number of raters who put the item in category j.
 * Rows may have different rater counts (flagged annotators are dropped, studies are in progress): each item's
 * agreement P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1)) uses its own n_i, P-bar is the mean of P_i, and the
 * category shares p_j pool all ratings. With equal n_i this is exactly Fleiss' formula. Items with fewer than two
 * ratings carry no agreement information and are skipped.
 *
 * @returns kappa = (P-bar - P_e) / (1 - P_e), or null when undefined (no usable item, or P_e = 1).
 * @example fleissKappa([[0, 14], [7, 7]]) // two categories, two items of 14 raters
 */
export function fleissKappa(items: readonly (readonly number[])[]): number | null {
  let agreementSum = 0;
  let usable = 0;
  const categoryTotals: number[] = [];
  let ratings = 0;
  for (const row of items) {
    let n = 0;
    let squares = 0;
    for (const count of row) {
      n += count;
      squares += count * count;
    }
    if (n < 2) continue;
    agreementSum += (squares - n) / (n * (n - 1));
    usable++;
    row.forEach((count, j) => (categoryTotals[j] = (categoryTotals[j] ?? 0) + count));
    ratings += n;
  }
  if (usable === 0) return null;
  const meanAgreement = agreementSum / usable;
  let chance = 0;
  for (const total of categoryTotals) chance += (total / ratings) ** 2;
  if (chance >= 1) return null;
  return (meanAgreement - chance) / (1 - chance);
}
