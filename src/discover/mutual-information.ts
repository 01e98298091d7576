/**
 * Mutual information between each continuous feature and a discrete target, with the k-nearest-neighbour estimator
 * of Ross (2014) with the same steps as scikit-learn's `mutual_info_classif(X, y, n_neighbors=3)` on float64 X
 * (sklearn 1.2; equal within 5e-14, see docs/discovery-schema.md; sklearn on float32 X differs by more):
 *
 * 1. Each column is divided by its population standard deviation (ddof = 0, numpy's pairwise sums; a std below
 *    10 * eps counts as 1).
 * 2. Tie-breaking noise, x += 1e-10 * max(1, mean|x|) * e:
 *    - 'sklearn': e ~ N(0, 1) from numpy's RandomState(seed) in C order over the whole (rows x cols) matrix, so the
 *      result equals `mutual_info_classif(..., random_state=seed)`; generating it costs about as much as the MI;
 *    - 'jitter': e uniform with unit variance from a fast seeded generator: the same tie-breaking, not the same
 *      draws as numpy (the default of discovery: real robust features have many exact zeros, which without any
 *      noise collapse every radius to 0 and drive the estimate to 0);
 *    - 'none': no noise (used to compare with a noise-free sklearn).
 * 3. Per column, points of classes with a single member are dropped. For every point of class c (N_c points),
 *    k = min(n_neighbors, N_c - 1); r = distance to its k-th nearest other point of class c; R = nextafter(r, 0);
 *    m = number of kept points j (itself included) with (x_i - x_j)^2 <= R^2.
 * 4. MI = psi(n) + mean psi(k) - mean psi(N_c) - mean psi(m), clipped at 0.
 *
 * The estimator is one-dimensional, so sorting replaces the KD-tree: the k-th neighbour is found among the k
 * nearest sorted positions and m by walking outward over runs of equal values, O(n log n) per column overall.
 * Floating-point details follow sklearn so that ties land on the same side: kd-tree distances are sqrt(d * d);
 * for classes where sklearn switches to brute force (k >= floor(N_c / 2)) the squared distance is the GEMM form
 * (x^2 + (-2 x y)) + y^2, clipped at 0.
 */
import { digammaTable } from './digamma.js';
import { NumpyRandomState } from './numpy-random.js';
import { countWithin, kthNeighbourDistances, nextTowardZero, pairwiseSum } from './neighbours-1d.js';
import { RadixArgsort } from './radix-sort.js';

export type MutualInformationNoise =
  { kind: 'none' } | { kind: 'sklearn'; seed: number } | { kind: 'jitter'; seed: number };

export interface MutualInformationOptions {
  /** Neighbours per point (sklearn's n_neighbors). Default 3. */
  nNeighbors?: number;
  /**
   * Use only these rows of X, in this order (y then has one entry per listed row): saves copying the fitting part
   * of a group out of its full feature matrix.
   */
  rowSubset?: ArrayLike<number>;
  /** Tie-breaking jitter. Default: sklearn's, seeded with 0. */
  noise?: MutualInformationNoise;
}

export const DEFAULT_MI_NEIGHBOURS = 3;

/**
 * MI of every column of a row-major (rows x cols) matrix with the discrete target y (any integer labels).
 * @example mutualInfoClassif(x, 200, 6, failureFlags, { noise: { kind: 'none' } }) // Float64Array(6)
 */
export function mutualInfoClassif(
  X: Float32Array | Float64Array,
  rows: number,
  cols: number,
  y: ArrayLike<number>,
  options: MutualInformationOptions = {},
): Float64Array {
  if (X.length !== rows * cols) throw new RangeError(`X has ${X.length} values, expected ${rows} x ${cols}`);
  const rowIndex = options.rowSubset ? Int32Array.from(options.rowSubset) : identity(rows);
  for (const r of rowIndex) {
    if (!(r >= 0 && r < rows)) throw new RangeError(`rowSubset holds ${r}, outside 0..${rows - 1}`);
  }
  const n = rowIndex.length;
  if (y.length !== n) throw new RangeError(`y has ${y.length} values, expected ${n}`);
  const nNeighbors = options.nNeighbors ?? DEFAULT_MI_NEIGHBOURS;
  if (!Number.isInteger(nNeighbors) || nNeighbors < 1) {
    throw new RangeError(`nNeighbors must be a positive integer, received ${nNeighbors}`);
  }
  const noiseSpec = options.noise ?? { kind: 'sklearn', seed: 0 };
  const noise =
    noiseSpec.kind === 'sklearn' ? new NumpyRandomState(noiseSpec.seed).standardNormals(n * cols) : null;
  const jitter = noiseSpec.kind === 'jitter' ? new UniformJitter(noiseSpec.seed) : null;

  const estimator = new ColumnEstimator(y, nNeighbors);
  const out = new Float64Array(cols);
  const scratch = new Float64Array(n);
  // Columns are copied out a block at a time (rows read sequentially, block stays in cache): strided reads of
  // single columns from 2048-wide rows, or a full transposed copy, are several times slower.
  const BLOCK = 32;
  const block = new Float64Array(BLOCK * n);
  for (let j0 = 0; j0 < cols; j0 += BLOCK) {
    const width = Math.min(BLOCK, cols - j0);
    if (X instanceof Float32Array) copyBlockFloat32(X, rowIndex, cols, j0, width, block);
    else copyBlockFloat64(X, rowIndex, cols, j0, width, block);
    for (let t = 0; t < width; t++) {
      const j = j0 + t;
      const column = block.subarray(t * n, (t + 1) * n);
      scaleLikeSklearn(column, scratch);
      if (noise) addNoise(column, noise, j, cols, scratch);
      else if (jitter) jitter.addTo(column, scratch);
      out[j] = estimator.estimate(column);
    }
  }
  return out;
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** block[t * n + i] = X[rowIndex[i], j0 + t]; one function per input type keeps element access monomorphic. */
function copyBlockFloat32(
  X: Float32Array,
  rowIndex: Int32Array,
  cols: number,
  j0: number,
  width: number,
  block: Float64Array,
): void {
  const n = rowIndex.length;
  for (let i = 0; i < n; i++) {
    const o = rowIndex[i] * cols + j0;
    for (let t = 0; t < width; t++) block[t * n + i] = X[o + t];
  }
}

function copyBlockFloat64(
  X: Float64Array,
  rowIndex: Int32Array,
  cols: number,
  j0: number,
  width: number,
  block: Float64Array,
): void {
  const n = rowIndex.length;
  for (let i = 0; i < n; i++) {
    const o = rowIndex[i] * cols + j0;
    for (let t = 0; t < width; t++) block[t * n + i] = X[o + t];
  }
}

/**
 * Divides by the population std as sklearn's `scale` gets it: numpy reduces the (F-ordered) column selection with
 * its pairwise summation, so the same summation order is needed for the last bit of every scaled value to agree.
 */
function scaleLikeSklearn(x: Float64Array, scratch: Float64Array): void {
  const n = x.length;
  const mean = pairwiseSum(x, 0, n) / n;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    scratch[i] = d * d;
  }
  let std = Math.sqrt(pairwiseSum(scratch, 0, n) / n);
  if (std < 10 * Number.EPSILON) std = 1;
  for (let i = 0; i < n; i++) x[i] /= std;
}

function addNoise(
  x: Float64Array,
  noise: Float64Array,
  column: number,
  cols: number,
  scratch: Float64Array,
): void {
  const n = x.length;
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(x[i]);
  const amplitude = 1e-10 * Math.max(1, pairwiseSum(scratch, 0, n) / n);
  for (let i = 0; i < n; i++) x[i] += amplitude * noise[i * cols + column];
}

/** Seeded xorshift32 -> uniform on [-sqrt(3), sqrt(3)) (mean 0, variance 1), drawn a column at a time. */
class UniformJitter {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  }

  /** x += 1e-10 * max(1, mean|x|) * e, the draws continuing from the previous column. */
  addTo(x: Float64Array, scratch: Float64Array): void {
    const n = x.length;
    for (let i = 0; i < n; i++) scratch[i] = Math.abs(x[i]);
    const amplitude = 1e-10 * Math.max(1, pairwiseSum(scratch, 0, n) / n);
    const scale = (amplitude * 2 * Math.sqrt(3)) / 4294967296;
    const offset = amplitude * Math.sqrt(3);
    let state = this.state;
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      x[i] += (state >>> 0) * scale - offset;
    }
    this.state = state;
  }
}

/**
 * Per-column work with all buffers allocated once: the class layout of y does not change between columns.
 */
class ColumnEstimator {
  /** Rows of kept classes (more than one member) and their class slot. */
  private readonly keptRows: Int32Array;
  private readonly keptClass: Int32Array;
  private readonly classSizes: number[];
  private readonly psi: Float64Array;
  private readonly classSorted: Float64Array[];
  private readonly classFill: Int32Array;
  private readonly keptValues: Float64Array;
  private readonly order: Int32Array;
  private readonly all: Float64Array;
  private readonly brute: Float64Array;
  /** k-th neighbour distance of each point of the class being scored. */
  private readonly radii: Float64Array;
  private readonly sorter: RadixArgsort;

  constructor(
    y: ArrayLike<number>,
    private readonly nNeighbors: number,
  ) {
    const members = new Map<number, number[]>();
    for (let i = 0; i < y.length; i++) {
      const list = members.get(y[i]);
      if (list) list.push(i);
      else members.set(y[i], [i]);
    }
    const kept = [...members.entries()].sort((a, b) => a[0] - b[0]).filter(([, rows]) => rows.length > 1);
    this.classSizes = kept.map(([, rows]) => rows.length);
    const n = this.classSizes.reduce((s, c) => s + c, 0);
    this.keptRows = new Int32Array(n);
    this.keptClass = new Int32Array(n);
    let o = 0;
    kept.forEach(([, rows], c) => {
      for (const r of rows) {
        this.keptRows[o] = r;
        this.keptClass[o++] = c;
      }
    });
    this.psi = digammaTable(Math.max(1, y.length));
    this.classSorted = this.classSizes.map((size) => new Float64Array(size));
    this.classFill = new Int32Array(kept.length);
    this.keptValues = new Float64Array(n);
    this.order = new Int32Array(n);
    this.all = new Float64Array(n);
    this.brute = new Float64Array(2 * nNeighbors + 2);
    this.radii = new Float64Array(Math.max(1, ...this.classSizes));
    this.sorter = new RadixArgsort(n);
  }

  estimate(x: Float64Array): number {
    const n = this.keptRows.length;
    if (n === 0) return 0;
    const { keptRows, keptClass, keptValues, order, classSorted, classFill, all, radii, psi } = this;
    for (let t = 0; t < n; t++) keptValues[t] = x[keptRows[t]];
    this.sorter.sort(keptValues, n, order);
    classFill.fill(0);
    for (let t = 0; t < n; t++) {
      const idx = order[t];
      const v = keptValues[idx];
      all[t] = v;
      const c = keptClass[idx];
      classSorted[c][classFill[c]++] = v;
    }

    let sumPsiK = 0;
    let sumPsiClass = 0;
    let sumPsiM = 0;
    for (let c = 0; c < classSorted.length; c++) {
      const v = classSorted[c];
      const nc = v.length;
      const k = Math.min(this.nNeighbors, nc - 1);
      const useBrute = k >= Math.floor(nc / 2);
      sumPsiK += psi[k] * nc;
      sumPsiClass += psi[nc] * nc;
      if (useBrute) for (let t = 0; t < nc; t++) radii[t] = this.bruteKthDistance(v, t, k);
      else kthNeighbourDistances(v, k, radii);
      // p: first position in the merged order holding a value >= xi; class values ascend, so p only moves right.
      let p = 0;
      for (let t = 0; t < nc; t++) {
        const xi = v[t];
        const radius = nextTowardZero(radii[t]);
        const r2 = radius * radius;
        while (all[p] < xi) p++;
        sumPsiM += psi[countWithin(all, n, p, xi, r2)];
      }
    }
    const mi = psi[n] + sumPsiK / n - sumPsiClass / n - sumPsiM / n;
    return Math.max(0, mi);
  }

  /** sklearn's brute-force path (small classes): squared distances in GEMM form, k-th smallest among others. */
  private bruteKthDistance(v: Float64Array, t: number, k: number): number {
    const xi = v[t];
    const d = this.brute;
    let o = 0;
    for (let j = 0; j < v.length; j++) {
      if (j === t) continue;
      const xj = v[j];
      d[o++] = Math.max(0, xi * xi + -2 * (xi * xj) + xj * xj);
    }
    const others = d.subarray(0, o).sort();
    return Math.sqrt(others[k - 1]);
  }
}
