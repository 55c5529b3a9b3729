interface Item<E> {
  readonly event: E;
  readonly msgId: string;
  state: 'waiting' | 'sent' | 'acked';
}

/**
 * The events of one session on their way to the log, in order. Up to `window` appends are in
 * flight at once (pipelined); after any failure no new append starts until those in flight have
 * settled, then every event not yet acknowledged is sent again in order, with its original message
 * id, so the log holds each exactly once (docs/spec-notes.md, event log). Acknowledged events
 * leave the front of the queue.
 */
export class EventOutbox<E> {
  readonly #append: (event: E, msgId: string) => Promise<unknown>;
  readonly #window: number;
  readonly #onRetry: (error: Error, delayMs: number) => void;
  readonly #onAcked: (pending: number) => void;
  readonly #queue: Item<E>[] = [];
  #inFlight = 0;
  #recovering = false;
  #delayMs = 100;
  #closed = false;
  #drained: (() => void)[] = [];

  constructor(
    append: (event: E, msgId: string) => Promise<unknown>,
    options: { window: number; onRetry: (error: Error, delayMs: number) => void; onAcked: (pending: number) => void },
  ) {
    this.#append = append;
    this.#window = options.window;
    this.#onRetry = options.onRetry;
    this.#onAcked = options.onAcked;
  }

  /** Events not yet acknowledged: the session's backpressure measure. */
  get pending(): number {
    return this.#queue.length;
  }

  push(event: E, msgId: string): void {
    this.#queue.push({ event, msgId, state: 'waiting' });
    this.#pump();
  }

  /** Resolves when every event pushed so far is acknowledged. */
  drained(): Promise<void> {
    return this.#queue.length === 0 ? Promise.resolve() : new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Stops sending and retrying (the session is gone); answers how many events were never acknowledged. */
  close(): number {
    this.#closed = true;
    return this.#queue.length;
  }

  #pump(): void {
    if (this.#recovering || this.#closed) return;
    for (const item of this.#queue) {
      if (this.#inFlight >= this.#window) return;
      if (item.state !== 'waiting') continue;
      item.state = 'sent';
      this.#inFlight++;
      this.#append(item.event, item.msgId).then(
        () => this.#settled(item, undefined),
        (error: Error) => this.#settled(item, error),
      );
    }
  }

  #settled(item: Item<E>, error: Error | undefined): void {
    this.#inFlight--;
    if (error === undefined) {
      item.state = 'acked';
      while (this.#queue[0]?.state === 'acked') this.#queue.shift();
      this.#delayMs = 100;
      this.#onAcked(this.#queue.length);
      if (this.#queue.length === 0) for (const resolve of this.#drained.splice(0)) resolve();
    } else {
      item.state = 'waiting';
      if (this.#closed) return;
      if (!this.#recovering) this.#onRetry(error, this.#delayMs);
      this.#recovering = true;
    }
    if (this.#recovering && this.#inFlight === 0) {
      // Everything in flight has settled: resend what is not acknowledged, from the oldest, in order.
      const delay = this.#delayMs;
      this.#delayMs = Math.min(this.#delayMs * 2, 2_000);
      setTimeout(() => {
        this.#recovering = false;
        this.#pump();
      }, delay);
      return;
    }
    this.#pump();
  }
}
