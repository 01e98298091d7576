import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { digamma } from './digamma.js';
import { mutualInfoClassif } from './mutual-information.js';
import { kthNeighbourDistances, nextTowardZero } from './neighbours-1d.js';
import { NumpyRandomState } from './numpy-random.js';

interface MiCase {
  name: string;
  noise: 'none' | 'sklearn-seed-0';
  rows: number;
  cols: number;
  X: number[];
  y: number[];
  mi: number[];
}

const fixtureFile = new URL('../../test/fixtures/discover/mi.json', import.meta.url);
const fixtures = JSON.parse(readFileSync(fixtureFile, 'utf8')) as { cases: MiCase[] };

/**
 * The agreement docs/discovery-schema.md claims for float64 input: largest difference on these fixtures 4.44e-15
 * (`npx tsx scripts/mi-fixture-parity.ts`), up to 2.4e-14 measured on fresh cases in issue 12's audit.
 */
const MI_SKLEARN_TOLERANCE = 5e-14;

describe('mutualInfoClassif matches scikit-learn (scripts/sklearn-fixtures.py)', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const noise = c.noise === 'none' ? ({ kind: 'none' } as const) : ({ kind: 'sklearn', seed: 0 } as const);
    const mi = mutualInfoClassif(Float64Array.from(c.X), c.rows, c.cols, c.y, { noise });
    expect(mi.length).toBe(c.cols);
    for (let j = 0; j < c.cols; j++)
      expect(Math.abs(mi[j] - c.mi[j])).toBeLessThanOrEqual(MI_SKLEARN_TOLERANCE);
  });

  it('is documented with the tolerance tested here, and with the float32 caveat', () => {
    const doc = readFileSync(new URL('../../docs/discovery-schema.md', import.meta.url), 'utf8');
    expect(doc).toContain(`agreement within **${MI_SKLEARN_TOLERANCE.toExponential()}**`);
    expect(doc).toContain('scripts/mi-fixture-parity.ts');
    expect(doc).toMatch(/\*\*float32 input\.\*\*/);
    expect(doc).toContain('scripts/sklearn-float32.py');
  });
});

describe('mutualInfoClassif', () => {
  it('is 0 for a constant feature and positive for a separating one', () => {
    const rows = 40;
    const y = Array.from({ length: rows }, (_, i) => (i < 20 ? 0 : 1));
    const X = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      X[i * 2] = 5;
      X[i * 2 + 1] = y[i] + i * 0.001;
    }
    const mi = mutualInfoClassif(X, rows, 2, y, { noise: { kind: 'none' } });
    expect(mi[0]).toBe(0);
    expect(mi[1]).toBeGreaterThan(0.5);
  });

  it('drops classes with a single member and returns 0 when nothing is left', () => {
    expect(Array.from(mutualInfoClassif(Float64Array.from([1, 2, 3]), 3, 1, [0, 1, 2]))).toEqual([0]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => mutualInfoClassif(new Float64Array(5), 2, 2, [0, 1])).toThrow(RangeError);
    expect(() => mutualInfoClassif(new Float64Array(4), 2, 2, [0])).toThrow(RangeError);
  });
});

describe('digamma', () => {
  it('matches scipy.special.digamma', () => {
    const expected: [number, number][] = [
      [1, -0.5772156649015329],
      [2, 0.42278433509846713],
      [11, 2.351752589066721],
      [1000, 6.907255195648812],
      [0.3, -3.502524222200133],
      [5.5, 1.611093148581751],
    ];
    for (const [x, v] of expected) expect(digamma(x)).toBeCloseTo(v, 13);
  });
});

describe('NumpyRandomState', () => {
  it('reproduces numpy.random.RandomState(0).standard_normal(5)', () => {
    const got = Array.from(new NumpyRandomState(0).standardNormals(5));
    const numpy = [
      1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675,
    ];
    got.forEach((v, i) => expect(v).toBe(numpy[i]));
  });
});

// Keeps the fixture file honest: it must have been produced by the committed generator.
describe.skipIf(!existsSync(fixtureFile))('fixture provenance', () => {
  it('names its generator', () => {
    expect((fixtures as unknown as { generator: string }).generator).toBe('scripts/sklearn-fixtures.py');
  });
});

describe('mutualInfoClassif noise kinds', () => {
  // ReLU-like data: half the values exactly 0. Without noise the estimator collapses every radius among the zeros.
  const rows = 400;
  const y = Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const X = new Float32Array(rows);
  let s = 12345;
  for (let i = 0; i < rows; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = s / 4294967296;
    X[i] = Math.max(0, u - 0.5 + (y[i] ? 0.4 : 0));
  }
  it('jitter and sklearn noise agree closely and both see the signal that ties hide', () => {
    const none = mutualInfoClassif(X, rows, 1, y, { noise: { kind: 'none' } })[0];
    const sk = mutualInfoClassif(X, rows, 1, y, { noise: { kind: 'sklearn', seed: 0 } })[0];
    const jitter = mutualInfoClassif(X, rows, 1, y, { noise: { kind: 'jitter', seed: 0 } })[0];
    expect(sk).toBeGreaterThan(0.05);
    // Random tie-breaking among the 50% zeros moves the estimate by a few hundredths either way.
    expect(Math.abs(jitter - sk)).toBeLessThan(0.05);
    expect(jitter).toBeGreaterThan(0.05);
    expect(none).toBeLessThan(sk);
    expect(mutualInfoClassif(X, rows, 1, y, { noise: { kind: 'jitter', seed: 0 } })[0]).toBe(jitter);
  });
});

describe('nextTowardZero', () => {
  /** The definition: the bit pattern one below (little-endian doubles). */
  function bitwise(r: number): number {
    if (r <= 0) return r;
    const f = new Float64Array([r]);
    const u = new BigUint64Array(f.buffer);
    u[0] -= 1n;
    return f[0];
  }
  it('equals stepping the bit pattern down, at powers of two, subnormals and random magnitudes', () => {
    const cases = [
      0,
      1,
      2,
      0.5,
      3,
      2 ** -1021,
      2 ** -1022,
      2 ** -1074,
      5e-324 * 7,
      2 ** 1023,
      Number.MAX_VALUE,
    ];
    const random = new NumpyRandomState(3).standardNormals(20000);
    for (let i = 0; i < random.length; i += 2) {
      cases.push(Math.abs(random[i]) * 2 ** Math.min(1020, Math.round(random[i + 1] * 300)));
      cases.push(2 ** Math.min(1023, Math.round(random[i + 1] * 340)));
    }
    for (const r of cases) expect(nextTowardZero(r)).toBe(bitwise(r));
  });
});

describe('mutualInfoClassif with rowSubset', () => {
  it('equals the estimate on the listed rows copied out, for every noise kind', () => {
    const random = new NumpyRandomState(11).standardNormals(300 * 5);
    const X = Float32Array.from(random, (v) => Math.round(v * 40) / 40); // coarse: ties on purpose
    const subset = Int32Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 !== 1);
    const y = Array.from(subset, (i) => (X[i * 5] > 0.5 || i % 17 === 0 ? 1 : 0));
    const copied = new Float32Array(subset.length * 5);
    subset.forEach((r, t) => copied.set(X.subarray(r * 5, r * 5 + 5), t * 5));
    for (const noise of [
      { kind: 'none' },
      { kind: 'jitter', seed: 2 },
      { kind: 'sklearn', seed: 0 },
    ] as const) {
      const direct = mutualInfoClassif(copied, subset.length, 5, y, { noise });
      const viaSubset = mutualInfoClassif(X, 300, 5, y, { noise, rowSubset: subset });
      expect(Array.from(viaSubset)).toEqual(Array.from(direct));
      expect(direct[0]).toBeGreaterThan(0.1);
    }
  });
  it('rejects rows outside the matrix', () => {
    expect(() => mutualInfoClassif(new Float32Array(6), 3, 2, [0, 1], { rowSubset: [0, 3] })).toThrow(
      /outside/,
    );
  });
});

describe('kthNeighbourDistances', () => {
  /** Every window of k + 1 consecutive values that contains t; the k-th neighbour is the best one's far end. */
  function reference(v: Float64Array, t: number, k: number): number {
    let d = Infinity;
    for (let s = Math.max(0, t - k); s <= Math.min(t, v.length - 1 - k); s++) {
      d = Math.min(d, Math.max(v[t] - v[s], v[s + k] - v[t]));
    }
    return Math.sqrt(d * d);
  }
  it('equals trying every window, with ties, duplicates and several k', () => {
    const random = new NumpyRandomState(5).standardNormals(4000);
    for (const [n, k, coarse] of [
      [2, 1, 0],
      [4, 3, 0],
      [50, 3, 0],
      [400, 3, 8],
      [400, 5, 2],
      [999, 1, 0],
    ]) {
      const v = Float64Array.from(random.subarray(0, n), (x) =>
        coarse ? Math.round(x * coarse) / coarse : x,
      ).sort();
      const out = new Float64Array(n);
      kthNeighbourDistances(v, k, out);
      for (let t = 0; t < n; t++) expect(out[t]).toBe(reference(v, t, k));
    }
  });
});
