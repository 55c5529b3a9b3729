import { jetstream, jetstreamManager, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { PeerEvent } from '#libs/events';

/** Where peer input events go (design.md property 1). The RIB issue versions their schema. */
export interface EventLogConfig {
  readonly stream: string;
  /** Subjects are `<prefix>.<kind>.<peer AD>`. */
  readonly subjectPrefix: string;
}

export const DEFAULT_EVENT_LOG: EventLogConfig = { stream: 'DPP_PEER_EVENTS', subjectPrefix: 'dpp.peer' };

/**
 * Appends peer events to a JetStream stream (file storage). Every event of a session is numbered
 * (`<sessionId>-<n>`) and that is its Nats-Msg-Id, so a publish retried after a lost ack is not
 * appended twice. Publishes are pipelined: `append` returns at once with the ack's promise.
 */
export class PeerEventLog {
  readonly #js: JetStreamClient;
  readonly #config: EventLogConfig;

  private constructor(js: JetStreamClient, config: EventLogConfig) {
    this.#js = js;
    this.#config = config;
  }

  /** Creates the stream if it is missing, and checks the server kept the settings asked for. */
  static async open(nc: NatsConnection, config: EventLogConfig): Promise<PeerEventLog> {
    const jsm = await jetstreamManager(nc);
    const wanted = { name: config.stream, subjects: [`${config.subjectPrefix}.>`], storage: StorageType.File, duplicate_window: 120e9 };
    const info = await jsm.streams.info(config.stream).catch(() => jsm.streams.add(wanted));
    const got = info.config;
    // A shorter duplicate window would let a resend after a long outage be stored twice.
    if (got.storage !== wanted.storage || !got.subjects?.includes(wanted.subjects[0]!) || got.duplicate_window < wanted.duplicate_window) {
      throw new Error(
        `stream ${config.stream} exists with storage ${got.storage}, subjects ${got.subjects?.join(',')} and duplicate window ${got.duplicate_window / 1e9} s: ` +
          `expected ${wanted.storage}, ${wanted.subjects[0]} and at least ${wanted.duplicate_window / 1e9} s`,
      );
    }
    return new PeerEventLog(jetstream(nc), config);
  }

  append(event: PeerEvent, msgId: string): Promise<number> {
    const subject = `${this.#config.subjectPrefix}.${event.kind}.${event.peerAd.replaceAll('.', '_')}`;
    return this.#js.publish(subject, JSON.stringify(event), { msgID: msgId }).then((ack) => ack.seq);
  }
}
