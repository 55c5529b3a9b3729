import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { CHANGES_PER_MESSAGE, decodeRibInput, encodeLocRibChanges, encodeRibInput } from '#libs/events';
import { LocRib, type RibEvent } from '#libs/rib';
import { publisherFor, publishInOrder, startProjection, type OrderedMessage } from '#libs/streams';
import type { CheckpointStore } from './checkpoint-store.ts';

/** A message of Loc-RIB changes, with how many it holds (for the counters). */
type ChangeMessage = OrderedMessage & { readonly changes: number };

/** Node's longest timer; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The first part number of a timeline resync's messages: past any one event's own parts. */
const RESYNC_PART = 1_000_000;

export interface RibRunnerOptions {
  readonly localAd: string;
  readonly inputStream: string;
  /** Where recorded clock events go: a subject of the input stream. */
  readonly clockSubject: string;
  readonly changeSubject: string;
  /** The stream the changes go to: where the last change already published is read at start. */
  readonly changeStream: string;
  readonly batch: number;
  /**
   * An edge missed by more than this (the RIB was stopped) is passed with every other missed one
   * in one clock event holding the time now; nearer ones are recorded one by one, so a RIB that
   * is merely busy still opens and closes every window.
   */
  readonly catchUpMs: number;
  readonly now: () => number;
  readonly log: (line: Record<string, unknown>) => void;
  /** After each batch is durable: events applied, changes published, and how long it took (s). */
  readonly onBatch?: (batch: { readonly events: number; readonly changes: number; readonly seconds: number }) => void;
}

/**
 * The RIB service's loop (design.md properties 2 and 3): resume from the checkpoint, apply the
 * input log in order, publish the Loc-RIB changes (message ids from the input sequence, so a
 * replica or a retry publishes each once), then checkpoint the batch: the checkpoint is the
 * acknowledgment, and the log is read again from it after any failure. When the
 * clock reaches the next window edge it appends a clock event holding that edge's time, so a
 * replay acts at the same instants.
 */
export async function startRib(nc: NatsConnection, store: CheckpointStore, options: RibRunnerOptions): Promise<{ rib(): LocRib; durable(): number; stop(): Promise<void> }> {
  const js = jetstream(nc);
  const fromCheckpoint = () => {
    const snapshot = store.load();
    if (snapshot && snapshot.localAd !== options.localAd) {
      throw new Error(`the checkpoint was made for AD ${snapshot.localAd}, not ${options.localAd}: use its own checkpoint file`);
    }
    return snapshot ? LocRib.restore(snapshot) : new LocRib(options.localAd, { checkpointed: true });
  };
  let rib = fromCheckpoint();
  /** The last input event whose changes are published and checkpointed (the Loc-RIB in memory may be ahead, mid-batch). */
  let durable = rib.lastSeq;
  options.log({ level: 'info', msg: 'RIB resumed', lastSeq: rib.lastSeq, routes: rib.size });
  let fresh = true;
  /** Where the checkpoint stands; after a failed batch the projection is reloaded from it first, and the change stream's end read again. */
  const position = async () => {
    if (!fresh) {
      rib = fromCheckpoint();
      published = await lastPublished();
    }
    fresh = false;
    return rib.lastSeq + 1;
  };
  let timer: NodeJS.Timeout | undefined;
  let armed: number | undefined;

  /**
   * Records a clock event once the wall clock has reached the next edge, holding the edge's own
   * time, so replicas record the same event (same id). Node runs a timer of more than 2^31-1 ms
   * after 1 ms, so long waits go in steps, and the time is checked again before anything is
   * recorded (an edge is never recorded early). When the edge is further past than `catchUpMs`
   * (the RIB was stopped), the event holds the time now instead: one event passes every edge
   * missed, where one per edge would take a round through the log each.
   */
  const armClock = () => {
    const edge = rib.nextEdge();
    if (edge === armed) return;
    clearTimeout(timer);
    armed = edge;
    if (edge === undefined) return;
    timer = setTimeout(() => {
      const now = options.now();
      if (now < edge) {
        armed = undefined;
        return armClock();
      }
      const at = now - edge > options.catchUpMs ? now : edge;
      js.publish(options.clockSubject, encodeRibInput({ type: 'clock', seq: 0, now: at }), { msgID: `clock-${at}` }).catch((error: Error) => {
        options.log({ level: 'warn', msg: 'clock event not recorded; retrying', error: error.message });
        armed = undefined;
        timer = setTimeout(armClock, 1_000);
      });
    }, Math.min(MAX_TIMER_MS, Math.max(0, edge - options.now())));
  };

  /**
   * The last change already in the change stream: a restart after longer than the duplicate window
   * must not publish a change again, so changes up to it are skipped. Changes are stored in order
   * (publishInOrder), so the last stored is the latest; its stream sequence is what the next
   * publish expects to follow.
   */
  const lastPublished = async () => {
    const last = await (await jetstreamManager(nc)).streams.getMessage(options.changeStream, { last_by_subj: options.changeSubject });
    const match = /^locrib-(\d+)-(\d+)$/.exec(last?.header?.get('Nats-Msg-Id') ?? '');
    return { ...(match ? { seq: Number(match[1]), index: Number(match[2]) } : { seq: 0, index: -1 }), tail: { seq: last?.seq ?? 0 } };
  };
  let published = await lastPublished();
  const alreadyPublished = (seq: number, index: number) => seq < published.seq || (seq === published.seq && index <= published.index);
  const publishChanges = async (messages: readonly OrderedMessage[]) => {
    const tail = await publishInOrder(publisherFor(nc), options.changeSubject, messages, published.tail, { log: options.log });
    published = { ...published, tail };
  };

  /**
   * A checkpoint made before timelines: every interval, once, so that the FIB, the peers and a
   * table rebuild get the future ones. Only once the RIB has caught up with what it had published
   * (a resync of an older state would land after newer changes), numbered past any event's own parts.
   */
  const publishTimelines = async () => {
    if (!store.timelinesUnpublished || rib.lastSeq < published.seq) return;
    const all = rib.resync();
    const messages: OrderedMessage[] = [];
    for (let at = 0; at < all.length; at += CHANGES_PER_MESSAGE) messages.push({ data: encodeLocRibChanges(all.slice(at, at + CHANGES_PER_MESSAGE)), msgId: `locrib-${rib.lastSeq}-${RESYNC_PART + at / CHANGES_PER_MESSAGE}` });
    await publishChanges(messages);
    store.timelinesPublished();
    options.log({ level: 'info', msg: 'checkpoint from before timelines: every interval published once', intervals: all.length });
  };
  await publishTimelines();

  const consumer = await startProjection<RibEvent, ChangeMessage>(nc, {
    stream: options.inputStream,
    batch: options.batch,
    log: options.log,
    resume: position,
    decode: decodeRibInput,
    quarantined: 'RIB input quarantined: not a valid v1 event',
    // An event's changes are the same on every run, so their messages and ids are too, however batches fall.
    decide: (event, seq) => {
      const changes = rib.apply(event);
      const messages: ChangeMessage[] = [];
      for (let at = 0, part = 0; at < changes.length; at += CHANGES_PER_MESSAGE, part++) {
        if (!alreadyPublished(seq, part)) messages.push({ data: encodeLocRibChanges(changes.slice(at, at + CHANGES_PER_MESSAGE)), msgId: `locrib-${seq}-${part}`, changes: Math.min(CHANGES_PER_MESSAGE, changes.length - at) });
      }
      return Result.succeed(messages);
    },
    // Pipelined, and in order: changes lost in an outage never land after later ones.
    publish: publishChanges,
    commit: async ({ events, started }, stored) => {
      store.save(rib.takeStoreOps(), { localAd: rib.localAd, now: rib.now, lastSeq: rib.lastSeq, loopsDropped: rib.loopsDropped });
      durable = rib.lastSeq;
      await publishTimelines();
      armClock();
      options.onBatch?.({ events, changes: stored.reduce((n, m) => n + m.changes, 0), seconds: (performance.now() - started) / 1000 });
    },
  });
  armClock();
  return {
    rib: () => rib,
    durable: () => durable,
    stop: async () => {
      await consumer.stop();
      clearTimeout(timer);
    },
  };
}
