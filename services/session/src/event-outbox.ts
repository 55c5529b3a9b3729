interface Item<E> {
  readonly event: E;
  readonly msgId: string;
  /** 0 for the event itself; each copy appended to restore the order gets the next number. */
  copy: number;
  state: 'waiting' | 'sent' | 'acked';
  /** Where the log stored the copy last acknowledged. */
  seq: number;
}

/**
 * The events of one session on their way to the log, in order. Up to `window` appends are in
 * flight at once (pipelined); after any failure no new append starts until those in flight have
 * settled, then every event not yet acknowledged is sent again in order, with its original message
 * id, so a lost acknowledgment never stores an event twice.
 *
 * A resend can land after a later event that got through before the failure. The log sequences in
 * the acknowledgments show it: the event then gets a copy (message id `<id>.<copy>`) appended
 * after the one it follows, and so does every event after it, so the last copies in the log are
 * in the session's order and a reader applying log order ends where the peer meant
 * (docs/spec-notes.md, the event log). Acknowledged events leave the front of the queue.
 */
export class EventOutbox<E> {
  readonly #append: (event: E, msgId: string) => Promise<number>;
  readonly #window: number;
  readonly #onRetry: (error: Error, delayMs: number) => void;
  readonly #onAcked: (pending: number) => void;
  readonly #queue: Item<E>[] = [];
  #inFlight = 0;
  #recovering = false;
  #delayMs = 100;
  #closed = false;
  #drained: (() => void)[] = [];
  /** The log sequence of the last event that left the queue: the next must land after it. */
  #lastSeq = 0;

  constructor(
    append: (event: E, msgId: string) => Promise<number>,
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
    this.#queue.push({ event, msgId, copy: 0, state: 'waiting', seq: 0 });
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
      const copy = item.copy;
      this.#append(item.event, copy === 0 ? item.msgId : `${item.msgId}.${copy}`).then(
        (seq) => this.#settled(item, copy, seq, undefined),
        (error: Error) => this.#settled(item, copy, 0, error),
      );
    }
  }

  #settled(item: Item<E>, copy: number, seq: number, error: Error | undefined): void {
    this.#inFlight--;
    if (this.#closed) return;
    if (copy !== item.copy) {
      // A copy superseded while in flight: a newer one follows it anyway.
    } else if (error === undefined) {
      item.state = 'acked';
      item.seq = seq;
      this.#shiftAcked();
      this.#delayMs = 100;
      this.#onAcked(this.#queue.length);
      if (this.#queue.length === 0) for (const resolve of this.#drained.splice(0)) resolve();
    } else {
      item.state = 'waiting';
      this.#recover(error);
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

  #recover(error: Error): void {
    if (!this.#recovering) this.#onRetry(error, this.#delayMs);
    this.#recovering = true;
  }

  /** The acknowledged front leaves in order; one that landed before the event it follows is copied, with all after it. */
  #shiftAcked(): void {
    for (let front = this.#queue[0]; front?.state === 'acked'; front = this.#queue[0]) {
      if (front.seq < this.#lastSeq) {
        for (const item of this.#queue) {
          item.copy++;
          item.state = 'waiting';
        }
        this.#recover(new Error(`event ${front.msgId} landed at log sequence ${front.seq}, before the event it follows (${this.#lastSeq}): appending copies in order`));
        break;
      }
      this.#lastSeq = front.seq;
      this.#queue.shift();
    }
  }
}
