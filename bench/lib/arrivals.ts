/**
 * When each awaited key arrived, told by whoever sees it arrive, and a promise of that instant.
 * A probe waits on the promise: polling for the arrival (a `setImmediate` loop) kept this process
 * busy on one of the machine's two cores, beside the five processes the probe crosses, and so
 * measured its own load (idle p50 7 ms with it, on a stack at rest).
 */
export class Arrivals<K> {
  readonly #at = new Map<K, number>();
  readonly #waiting = new Map<K, (at: number) => void>();

  /** `key` arrived now. */
  record(key: K): void {
    const at = performance.now();
    this.#at.set(key, at);
    this.#waiting.get(key)?.(at);
    this.#waiting.delete(key);
  }

  /** When `key` arrives (or arrived): `performance.now()` then. */
  when(key: K): Promise<number> {
    const at = this.#at.get(key);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => this.#waiting.set(key, resolve));
  }
}
