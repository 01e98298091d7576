/**
 * One-dimensional nearest-neighbour primitives of the MI estimator (mutual-information.ts), with the exact
 * floating-point behaviour of numpy and scikit-learn's kd-tree that the estimator's parity depends on.
 */
/** numpy's pairwise_sum for float64 (blocks of 8 accumulators up to 128 values, halving above). */
export function pairwiseSum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[start],
      r1 = a[start + 1],
      r2 = a[start + 2],
      r3 = a[start + 3];
    let r4 = a[start + 4],
      r5 = a[start + 5],
      r6 = a[start + 6],
      r7 = a[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const o = start + i;
      r0 += a[o];
      r1 += a[o + 1];
      r2 += a[o + 2];
      r3 += a[o + 3];
      r4 += a[o + 4];
      r5 += a[o + 5];
      r6 += a[o + 6];
      r7 += a[o + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const ONE_BELOW = 1 - 2 ** -53;
/**
 * numpy.nextafter(r, 0) for finite r >= 0. For r >= 2^-1021, r * (1 - 2^-53) rounds to exactly the next double
 * below (the product lies within half an ulp of it, also at powers of two); smaller r take the bit-level path
 * (little-endian word order, as on every platform Node supports).
 */
export function nextTowardZero(r: number): number {
  if (r >= 4.450147717014403e-308) return r * ONE_BELOW;
  if (r <= 0) return r;
  f64[0] = r;
  if (u32[0] === 0) {
    u32[0] = 0xffffffff;
    u32[1] -= 1;
  } else u32[0] -= 1;
  return f64[0];
}

/**
 * out[t] = distance from v[t] to its k-th nearest other element of the sorted array v (k < v.length), as
 * sqrt(d * d) (the kd-tree's form). That neighbour is the farther end of the best window v[s..s+k] containing t;
 * the window's cost max(v[t] - v[s], v[s+k] - v[t]) falls and then rises with s, and its minimum moves right as
 * v[t] grows, so s only advances: O(1) amortised per point instead of trying all k + 1 windows.
 */
export function kthNeighbourDistances(v: Float64Array, k: number, out: Float64Array): void {
  const nc = v.length;
  let s = 0;
  for (let t = 0; t < nc; t++) {
    const xi = v[t];
    if (s < t - k) s = t - k;
    const last = Math.min(t, nc - 1 - k);
    let cost = windowCost(v, s, k, xi);
    while (s < last) {
      const next = windowCost(v, s + 1, k, xi);
      if (next > cost) break;
      cost = next;
      s++;
    }
    out[t] = Math.sqrt(cost * cost);
  }
}

/** Distance from xi to the farther end of the window v[s..s+k] (which contains xi). */
function windowCost(v: Float64Array, s: number, k: number, xi: number): number {
  const left = xi - v[s];
  const right = v[s + k] - xi;
  return left > right ? left : right;
}

/** Linear probing this far before switching to binary search: most windows hold only a few points. */
const WALK_LIMIT = 16;

/**
 * m = number of j with (xi - all[j])^2 <= r2 in the sorted array, where all[p] is the first value >= xi. The set
 * is contiguous (float subtraction and squaring are monotone), so its two ends are found by walking outward a few
 * steps and, for long runs of (near-)equal values, by binary search over the same predicate.
 */
export function countWithin(all: Float64Array, n: number, p: number, xi: number, r2: number): number {
  // Right end: first q >= p with (all[q] - xi)^2 > r2.
  let hi = p;
  const walkEnd = Math.min(n, p + WALK_LIMIT);
  while (hi < walkEnd) {
    const d = all[hi] - xi;
    if (d * d > r2) break;
    hi++;
  }
  if (hi === walkEnd && hi < n) {
    let lo = hi;
    let top = n;
    while (lo < top) {
      const mid = (lo + top) >>> 1;
      const d = all[mid] - xi;
      if (d * d > r2) top = mid;
      else lo = mid + 1;
    }
    hi = lo;
  }
  // Left end: first q < p (walking down) with (xi - all[q])^2 > r2.
  let lo = p - 1;
  const walkStop = Math.max(-1, p - 1 - WALK_LIMIT);
  while (lo > walkStop) {
    const d = xi - all[lo];
    if (d * d > r2) break;
    lo--;
  }
  if (lo === walkStop && lo >= 0) {
    // Largest q in [0, lo] with (xi - all[q])^2 > r2, or -1.
    let bottom = -1;
    let top = lo;
    while (bottom < top) {
      const mid = (bottom + top + 1) >> 1;
      const d = xi - all[mid];
      if (d * d > r2) bottom = mid;
      else top = mid - 1;
    }
    lo = bottom;
  }
  return hi - lo - 1;
}
