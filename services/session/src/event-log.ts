import { ensureStream, publisherFor, type JetStreamPublisher } from '#libs/streams';
import type { NatsConnection } from '@nats-io/transport-node';
import { peerEventStream, peerEventSubject, type PeerEvent } from '#libs/events';
import type { EventLogConfig } from '#libs/service-config';

/**
 * Appends peer events to a JetStream stream (file storage). Every event of a session is numbered
 * (`<sessionId>-<n>`) and that is its Nats-Msg-Id, so a publish retried after a lost ack is not
 * appended twice. Publishes are pipelined: `append` returns at once with the ack's promise.
 */
export class PeerEventLog {
  readonly #publisher: JetStreamPublisher;
  readonly #config: EventLogConfig;

  private constructor(publisher: JetStreamPublisher, config: EventLogConfig) {
    this.#publisher = publisher;
    this.#config = config;
  }

  /** Creates the stream if it is missing, and checks the server kept the settings asked for. */
  static async open(nc: NatsConnection, config: EventLogConfig): Promise<PeerEventLog> {
    await ensureStream(nc, peerEventStream({ peerEvents: config.stream, peerSubjectPrefix: config.subjectPrefix, replicas: config.replicas ?? 1 }));
    return new PeerEventLog(publisherFor(nc), config);
  }

  append(event: PeerEvent, msgId: string): Promise<number> {
    return this.#publisher.publish(peerEventSubject(this.#config.subjectPrefix, event), JSON.stringify(event), { msgId }).then((ack) => ack.seq);
  }
}
