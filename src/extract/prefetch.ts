/**
 * Runs an async producer ahead of its consumer, keeping up to `ahead` items in flight. Decoding images with
 * sharp (libuv threads) then overlaps inference (onnxruntime threads), so both cores stay busy.
 */
export class Prefetcher<T> {
  private readonly pending = new Map<number, Promise<T>>();
  private next = 0;

  constructor(
    private readonly count: number,
    private readonly ahead: number,
    private readonly produce: (index: number) => Promise<T>,
  ) {}

  /** Result for `index`; indices must be requested in increasing order. */
  async get(index: number): Promise<T> {
    if (this.next <= index) this.next = index;
    while (this.next < this.count && this.next <= index + this.ahead) {
      const i = this.next++;
      const p = this.produce(i);
      // Failures are returned to the consumer through get(); never leave a rejection unhandled meanwhile.
      p.catch(() => undefined);
      this.pending.set(i, p);
    }
    const p = this.pending.get(index) ?? this.produce(index);
    this.pending.delete(index);
    return p;
  }
}
