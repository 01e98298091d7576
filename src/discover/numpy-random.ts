/**
 * numpy.random.RandomState(seed).standard_normal(), bit for bit: MT19937 seeded with init_genrand(seed), doubles
 * from two 32-bit draws (53 bits), and the legacy polar Box-Muller method that caches the second value.
 * scikit-learn's mutual_info_classif draws its tie-breaking noise this way, so a seeded faultline run reproduces
 * `mutual_info_classif(..., random_state=seed)` exactly.
 */
const N = 624;
const M = 397;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32), received ${seed}`);
    }
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev mod 2^32, split to stay exact in doubles.
      this.mt[i] =
        (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits, as numpy's legacy random_sample. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `count` standard normals in draw order (numpy fills C-order arrays in this order). */
  standardNormals(count: number, out = new Float64Array(count)): Float64Array {
    let i = 0;
    if (count > 0 && this.hasGauss) {
      out[i++] = this.standardNormal();
    }
    // The same draws as standardNormal(), with the generator state in locals (3x faster for millions of values).
    const mt = this.mt;
    let index = this.index;
    const next = (): number => {
      if (index >= N) {
        this.twist();
        index = 0;
      }
      let y = mt[index++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      return y >>> 0;
    };
    while (i < count) {
      let x1: number, x2: number, r2: number;
      do {
        x1 = 2 * (((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992) - 1;
        x2 = 2 * (((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992) - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      out[i++] = f * x2;
      if (i < count) out[i++] = f * x1;
      else {
        this.gauss = f * x1;
        this.hasGauss = true;
      }
    }
    this.index = index;
    return out;
  }

  private twist(): void {
    const mt = this.mt;
    let i = 0;
    // Three loops instead of `% N` per element (the twist is most of the generator's cost).
    for (; i < N - M; i++) {
      const y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7fffffff);
      mt[i] = mt[i + M] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    for (; i < N - 1; i++) {
      const y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7fffffff);
      mt[i] = mt[i + M - N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    const y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    this.index = 0;
  }
}
