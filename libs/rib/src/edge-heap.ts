/** A min-heap of (time, item): the next window edge or stale deadline the RIB must act on. */
export class EdgeHeap<T> {
  readonly #times: number[] = [];
  readonly #items: T[] = [];

  push(time: number, item: T): void {
    let i = this.#times.length;
    this.#times.push(time);
    this.#items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#times[parent]! <= time) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  get size(): number {
    return this.#times.length;
  }

  /** Keeps only the items `keep` accepts (a rebuild, linear in the size). */
  retain(keep: (item: T) => boolean): void {
    const kept = this.#items.flatMap((item, i) => (keep(item) ? [[this.#times[i]!, item] as const] : []));
    this.#times.length = 0;
    this.#items.length = 0;
    for (const [time, item] of kept) this.push(time, item);
  }

  peekTime(): number | undefined {
    return this.#times[0];
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const top = this.#items[0];
    const lastTime = this.#times.pop();
    const lastItem = this.#items.pop();
    if (this.#times.length > 0 && lastTime !== undefined) {
      this.#times[0] = lastTime;
      this.#items[0] = lastItem!;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let least = i;
        if (l < this.#times.length && this.#times[l]! < this.#times[least]!) least = l;
        if (r < this.#times.length && this.#times[r]! < this.#times[least]!) least = r;
        if (least === i) break;
        this.#swap(i, least);
        i = least;
      }
    }
    return top;
  }

  #swap(i: number, j: number): void {
    [this.#times[i], this.#times[j]] = [this.#times[j]!, this.#times[i]!];
    [this.#items[i], this.#items[j]] = [this.#items[j]!, this.#items[i]!];
  }
}
