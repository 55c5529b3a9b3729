import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeRibInput, encodeLocRibChange, encodeRibInput } from '#libs/events';
import { LocRib, type LocRibChange } from '#libs/rib';
import { consumeBatches } from './batch-consumer.ts';
import type { CheckpointStore } from './checkpoint-store.ts';

export interface RibRunnerOptions {
  readonly localAd: string;
  readonly inputStream: string;
  /** Where recorded clock events go: a subject of the input stream. */
  readonly clockSubject: string;
  readonly changeSubject: string;
  readonly batch: number;
  readonly now: () => number;
  readonly log: (line: Record<string, unknown>) => void;
}

/**
 * The RIB service's loop (design.md properties 2 and 3): resume from the checkpoint, apply the
 * input log in order, publish the Loc-RIB changes (message ids from the input sequence, so a
 * replica or a retry publishes each once), then checkpoint the batch: the checkpoint is the
 * acknowledgment, and the log is read again from it after any failure. When the
 * clock reaches the next window edge it appends a clock event holding that edge's time, so a
 * replay acts at the same instants.
 */
export async function startRib(nc: NatsConnection, store: CheckpointStore, options: RibRunnerOptions): Promise<{ rib(): LocRib; stop(): Promise<void> }> {
  const js = jetstream(nc);
  const fromCheckpoint = () => {
    const snapshot = store.load();
    return snapshot ? LocRib.restore(snapshot) : new LocRib(options.localAd);
  };
  let rib = fromCheckpoint();
  options.log({ level: 'info', msg: 'RIB resumed', lastSeq: rib.lastSeq, routes: rib.size });
  let fresh = true;
  /** Where the checkpoint stands; after a failed batch the projection is reloaded from it first. */
  const position = async () => {
    if (!fresh) rib = fromCheckpoint();
    fresh = false;
    return rib.lastSeq + 1;
  };
  let timer: NodeJS.Timeout | undefined;
  let armed: number | undefined;

  /** Records a clock event when the wall clock reaches the next edge; its id makes replicas agree. */
  const armClock = () => {
    const edge = rib.nextEdge();
    if (edge === armed) return;
    clearTimeout(timer);
    armed = edge;
    if (edge === undefined) return;
    timer = setTimeout(() => {
      js.publish(options.clockSubject, encodeRibInput({ type: 'clock', seq: 0, now: edge }), { msgID: `clock-${edge}` }).catch((error: Error) => {
        options.log({ level: 'warn', msg: 'clock event not recorded; retrying', error: error.message });
        armed = undefined;
        setTimeout(armClock, 1_000);
      });
    }, Math.max(0, edge - options.now()));
  };

  const consumer = await consumeBatches(nc, { stream: options.inputStream, batch: options.batch, position, log: options.log }, async (messages) => {
    const published: Promise<unknown>[] = [];
    for (const m of messages) {
      const event = decodeRibInput(m.string(), m.seq);
      if (Result.isFailure(event)) {
        options.log({ level: 'error', msg: 'RIB input quarantined: not a valid v1 event', stream: options.inputStream, seq: m.seq, error: event.failure });
        continue;
      }
      // An event's changes are the same on every run, so their ids are too, however batches fall.
      const changes: readonly LocRibChange[] = rib.apply(event.success);
      changes.forEach((c, i) => published.push(js.publish(options.changeSubject, encodeLocRibChange(c), { msgID: `locrib-${c.causeSeq}-${i}` })));
    }
    await Promise.all(published);
    store.save(rib.takeStoreOps(), { localAd: rib.localAd, now: rib.now, lastSeq: rib.lastSeq, loopsDropped: rib.loopsDropped });
    armClock();
  });
  armClock();
  return {
    rib: () => rib,
    stop: async () => {
      await consumer.stop();
      clearTimeout(timer);
    },
  };
}
