// Bounded memory for the visible log: the last `capacity` items, O(1) push, addressed by
// absolute index (0 = the first item ever pushed) so a scrolled view stays put while new
// lines arrive. Older items are dropped here; the transcript file keeps everything.

export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.pushed % this.capacity] = item;
    this.pushed++;
  }

  /** How many items were ever pushed (the absolute index of the next one). */
  get total(): number {
    return this.pushed;
  }

  /** Absolute index of the oldest item still held. */
  get first(): number {
    return Math.max(0, this.pushed - this.capacity);
  }

  get size(): number {
    return this.pushed - this.first;
  }

  /** The item at absolute index `index`, or undefined when dropped or not yet pushed. */
  at(index: number): T | undefined {
    if (index < this.first || index >= this.pushed) return undefined;
    return this.items[index % this.capacity];
  }

  /** Up to `count` items starting at absolute index `from` (clamped to what is held). */
  slice(from: number, count: number): T[] {
    const start = Math.max(from, this.first);
    const end = Math.min(from + count, this.pushed);
    const out: T[] = [];
    for (let i = start; i < end; i++) out.push(this.items[i % this.capacity] as T);
    return out;
  }
}
