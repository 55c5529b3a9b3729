import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/**
 * How long a reader waits for the next message, when the last one said more are pending, before
 * it takes its consumer for starved and makes a new one from the next sequence (a false alarm
 * costs a new consumer, a few milliseconds).
 *
 * Why a consumer starves: nats.js 3.4's consume by bytes (how every reader here pulls; a pull by
 * count overran it with large messages, read-log.ts) adds each pull's byte budget to what it
 * counts as outstanding, and a pull the server ends by message count never gives its unused bytes
 * back. So its later pulls ask for fewer and fewer bytes, until one is smaller than the next
 * message: nats-server 2.9 ends that pull with 409 "Message Size Exceeds MaxBytes", and nats.js,
 * when it holds no message at that moment, pulls again only after two missed heartbeats, 4 to 6 s
 * at a 2 s heartbeat. Measured in the pipeline bench under a 10k routes/s background load: one
 * stage at a time stopped for 4 to 6 s, a convergence probe in about 60 waiting that long.
 */
export const STARVED_MS = 50;
/**
 * After the server refused a pull: nats.js pulls again at once when it will, so a message not here
 * within this is not coming (longer than that "at once" on a busy machine, shorter than STARVED_MS).
 */
export const REFUSED_MS = 20;

export const STARVED = Symbol('starved');

/**
 * A consume's messages one at a time, each `next()` answering STARVED instead when the consumer
 * starves: no message within STARVED_MS after the last one said more were pending, or within
 * REFUSED_MS after the server refused a pull (a 409 "exceeded limits" status) that neither a new
 * pull nor a message followed, the latter also when the reader had caught up, as a new message
 * beyond a refused pull's budget never comes. A refusal that comes while the reader is busy
 * elsewhere counts from its next `next()`. The reader then makes a new consumer from the sequence after its
 * last message. An error that ends the consume rejects `next()`, as it ends a `for await`.
 */
export function deliveries(messages: ConsumerMessages): { next(): Promise<IteratorResult<JsMsg> | typeof STARVED>; readonly deliveredAny: boolean } {
  const delivered = messages[Symbol.asyncIterator]();
  let last: JsMsg | undefined;
  /** A pull refused, and since then no new pull sent and no message come: nats.js, holding no message then, waits for missed heartbeats. */
  let refused = false;
  /** Set while a `next()` waits: starts its starvation timer on a refusal. */
  let onRefused: (() => void) | undefined;
  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'exceeded_limits') {
        refused = true;
        onRefused?.();
      } else if (status.type === 'next') refused = false;
    }
  })();
  return {
    /** Whether this consume handed over any message: what restartPacing is told when it starves. */
    get deliveredAny() {
      return last !== undefined;
    },
    next: () =>
      new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const starveIn = (ms: number) => {
          clearTimeout(timer);
          timer = setTimeout(() => resolve(STARVED), ms);
        };
        if (refused) starveIn(REFUSED_MS);
        else if (last !== undefined && last.info.pending > 0) starveIn(STARVED_MS);
        onRefused = () => starveIn(REFUSED_MS);
        const settled = () => {
          clearTimeout(timer);
          onRefused = undefined;
        };
        delivered.next().then(
          (next) => {
            settled();
            // Messages still come: other pulls are delivering, so this one refused starves nothing.
            refused = false;
            if (!next.done) last = next.value;
            resolve(next);
          },
          (error: unknown) => {
            settled();
            reject(error);
          },
        );
      }),
  };
}

/**
 * Paces the consumers a reader makes again after starving: at once while each delivers something,
 * else after 5 ms, doubling to 1 s. A pull the server refuses every time (a message larger than
 * PULL_BYTES) would otherwise make and drop consumers without end; at 1 s apart `stuck` is told.
 */
export function restartPacing(stuck: (waitMs: number) => void): (deliveredAny: boolean) => Promise<void> {
  let empty = 0;
  return async (deliveredAny) => {
    empty = deliveredAny ? 0 : empty + 1;
    if (empty === 0) return;
    const waitMs = Math.min(1_000, 5 * 2 ** (empty - 1));
    if (waitMs >= 1_000) stuck(waitMs);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  };
}
