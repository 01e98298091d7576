/** The benchmarks' seeded uniform generator (xorshift32 on [0, 1)): synthetic data that is the same every run. */
export function xorshift32(seed = 0x9e3779b9): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}
