import { createInbox, headers as natsHeaders, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** What the server answers a JetStream publish with: where the message is (or already was) stored. */
export interface StoredAck {
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface PublishOptions {
  readonly msgId?: string;
  /** Nats-Expected-Last-Msg-Id: the stream's last message must be this one. */
  readonly lastMsgId?: string;
  /** Nats-Expected-Last-Subject-Sequence: the subject's last message must be at this sequence (0: none). */
  readonly lastSubjectSeq?: number;
  readonly headers?: MsgHdrs;
}

interface Waiting {
  readonly resolve: (ack: StoredAck) => void;
  readonly reject: (error: Error) => void;
  readonly sentAt: number;
}

const TIMEOUT_MS = 5_000;

/** A publish the server refused, with JetStream's error code (10070: not the expected last msg id; 10071: not the expected last subject sequence). */
export class JetStreamRefusal extends Error {
  readonly code: number | undefined;

  constructor(description: string, code: number | undefined) {
    super(`${description} (JetStream error ${code})`);
    this.code = code;
  }
}

/** The subject's last message was not the one the publish expected (Nats-Expected-Last-Subject-Sequence): another writer's came first. */
export const isWrongLastSubjectSeq = (error: unknown): boolean => error instanceof JetStreamRefusal && error.code === 10071;

/**
 * JetStream publishes for the data path: each a core publish with a reply subject under one inbox
 * of the connection's, the acknowledgments matched by that subject. nats.js's own publish is a
 * request per message, with a timer and a mux entry each and an Error built on every answer
 * (its cancel), which a million-route load pays a million times (bench/, pipeline profile); here
 * one subscription takes every answer and one sweep times out those that never come.
 *
 * The wire is JetStream's own, so everything the server enforces holds: deduplication by message
 * id, the expected-last headers, acknowledgment only once stored.
 */
export class JetStreamPublisher {
  readonly #nc: NatsConnection;
  readonly #prefix = createInbox();
  readonly #waiting = new Map<number, Waiting>();
  #sub: Subscription | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #next = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  /** Always answers with a promise: a closed connection rejects it, never throws at the caller (a retry timer's, where nothing would catch it). */
  publish(subject: string, data: string | Uint8Array, options: PublishOptions = {}): Promise<StoredAck> {
    return new Promise<StoredAck>((resolve, reject) => {
      this.#start();
      const id = this.#next++;
      const h = options.headers ?? natsHeaders();
      if (options.msgId !== undefined) h.set('Nats-Msg-Id', options.msgId);
      if (options.lastMsgId !== undefined) h.set('Nats-Expected-Last-Msg-Id', options.lastMsgId);
      if (options.lastSubjectSeq !== undefined) h.set('Nats-Expected-Last-Subject-Sequence', String(options.lastSubjectSeq));
      this.#waiting.set(id, { resolve, reject, sentAt: Date.now() });
      try {
        this.#nc.publish(subject, data, { reply: `${this.#prefix}.${id}`, headers: h });
      } catch (error) {
        this.#waiting.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Stops taking answers (the connection closed): publishes still waiting fail. */
  #close(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    this.#fail(() => true, 'publisher closed');
  }

  #start(): void {
    if (this.#sub !== undefined) return;
    this.#sub = this.#nc.subscribe(`${this.#prefix}.*`, {
      callback: (error, msg) => {
        if (error) return this.#fail(() => true, error.message);
        const id = Number(msg.subject.slice(this.#prefix.length + 1));
        const waiting = this.#waiting.get(id);
        if (waiting === undefined) return;
        this.#waiting.delete(id);
        // No stream takes the subject: the server answers with a 503 status and no body.
        if (msg.data.length === 0) return waiting.reject(new Error(`no stream for the subject (status ${msg.headers?.code ?? 'none'})`));
        const answer = msg.json<{ seq?: number; duplicate?: boolean; error?: { description?: string; err_code?: number; code?: number } }>();
        if (answer.error) return waiting.reject(new JetStreamRefusal(answer.error.description ?? 'refused', answer.error.err_code ?? answer.error.code));
        waiting.resolve({ seq: answer.seq ?? 0, duplicate: answer.duplicate === true });
      },
    });
    // An answer lost (a reconnect between the publish and its ack) fails its publish after the timeout.
    this.#sweep = setInterval(() => {
      const before = Date.now() - TIMEOUT_MS;
      this.#fail((w) => w.sentAt < before, 'no acknowledgment within 5 s');
    }, 1_000);
    this.#sweep.unref();
    void this.#nc.closed().then(() => this.#close());
  }

  #fail(which: (waiting: Waiting) => boolean, why: string): void {
    for (const [id, waiting] of this.#waiting) {
      if (!which(waiting)) continue;
      this.#waiting.delete(id);
      waiting.reject(new Error(why));
    }
  }
}

const publishers = new WeakMap<NatsConnection, JetStreamPublisher>();

/** The connection's one publisher: one inbox subscription however many parts of a process publish. */
export function publisherFor(nc: NatsConnection): JetStreamPublisher {
  let publisher = publishers.get(nc);
  if (publisher === undefined) publishers.set(nc, (publisher = new JetStreamPublisher(nc)));
  return publisher;
}
