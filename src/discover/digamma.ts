/**
 * The digamma function psi(x) = d/dx ln Gamma(x) for x > 0, accurate to ~1e-15 (recurrence up to x >= 10, then the
 * asymptotic series). The mutual-information estimator only needs it at positive integers, for which
 * {@link digammaTable} precomputes psi(1..n) once.
 */
const EULER = 0.5772156649015329;

export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma is only defined here for x > 0, received ${x}`);
  if (Number.isInteger(x) && x <= 10) {
    let h = -EULER;
    for (let i = 1; i < x; i++) h += 1 / i;
    return h;
  }
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const z = 1 / (x * x);
  // Bernoulli-number series: 1/12 z - 1/120 z^2 + 1/252 z^3 - 1/240 z^4 + 1/132 z^5 - 691/32760 z^6 + 1/12 z^7
  const series =
    z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * (1 / 132 - z * (691 / 32760 - z / 12))))));
  return shift + Math.log(x) - 0.5 / x - series;
}

/** psi(0..n) with psi(0) = NaN; index i holds psi(i). */
export function digammaTable(n: number): Float64Array {
  const table = new Float64Array(n + 1);
  table[0] = NaN;
  if (n >= 1) table[1] = -EULER;
  // psi(i + 1) = psi(i) + 1 / i accumulates rounding; recompute directly every 64 steps to keep it at ~1e-15.
  for (let i = 2; i <= n; i++) table[i] = i % 64 === 0 ? digamma(i) : table[i - 1] + 1 / (i - 1);
  return table;
}
