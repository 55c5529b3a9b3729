import type { JetStreamPublisher, StoredAck } from './jetstream-publisher.ts';

/** Where a writer's subject ends in its stream: the sequence of its last message there (0: none yet). */
export interface SubjectTail {
  readonly seq: number;
}

export interface OrderedMessage {
  readonly data: string | Uint8Array;
  readonly msgId: string;
}

type Settled = { readonly ack: StoredAck } | { readonly error: Error };

/**
 * Appends `messages` to `subject`, in order, with up to `window` publishes in flight: the server
 * keeps the order, not a wait per message. Each publish tells the server what must be last
 * before it (docs/spec-notes.md, ordered publishing): the first, the message at `after` on its
 * subject (Nats-Expected-Last-Subject-Sequence); each later one, its predecessor's message id as
 * the stream's last (Nats-Expected-Last-Msg-Id). A message lost on the way (a reconnect) makes
 * every later one in flight fail instead of landing ahead of it.
 *
 * nats-server 2.9.10 checks the duplicate window before those expectations (measured), so a
 * message already stored (a retry after a lost ack, an active-active replica's copy) is
 * acknowledged as the duplicate it is, whatever it expected. After a failure, once everything in
 * flight has settled, the rest is sent again from the first that failed (a warning to `log`); another writer's message
 * between two of ours on the stream (a clock event) fails the msg-id expectation once, and the
 * resend, expecting by subject sequence, goes through. After `retries` rounds without progress the
 * last error is thrown: the caller resumes from its durable position.
 */
export async function publishInOrder(
  publisher: Pick<JetStreamPublisher, 'publish'>,
  subject: string,
  messages: readonly OrderedMessage[],
  after: SubjectTail,
  options: { readonly log: (line: Record<string, unknown>) => void; readonly window?: number; readonly retries?: number },
): Promise<SubjectTail> {
  const window = options.window ?? 256;
  const retries = options.retries ?? 5;
  let tail = after;
  let start = 0;
  /** Rounds in a row that stored nothing new. */
  let stalled = 0;
  while (start < messages.length) {
    const inFlight: Promise<Settled>[] = [];
    for (let i = start; i < messages.length; i++) {
      // A window's worth ahead of the oldest unsettled; a failure stops new publishes, which would fail after it anyway.
      if (inFlight.length >= window && 'error' in (await inFlight[inFlight.length - window]!)) break;
      const expect = i === start ? { lastSubjectSeq: tail.seq } : { lastMsgId: messages[i - 1]!.msgId };
      inFlight.push(
        publisher.publish(subject, messages[i]!.data, { msgId: messages[i]!.msgId, ...expect }).then(
          (ack) => ({ ack }),
          (error: Error) => ({ error }),
        ),
      );
    }
    const settled = await Promise.all(inFlight);
    const failed = settled.findIndex((s) => 'error' in s);
    for (const s of failed < 0 ? settled : settled.slice(0, failed)) tail = { seq: (s as { ack: StoredAck }).ack.seq };
    if (failed < 0) return tail;
    const error = (settled[failed] as { error: Error }).error;
    stalled = failed > 0 ? 0 : stalled + 1;
    if (stalled > retries) throw error;
    start += failed;
    options.log({ level: 'warn', msg: 'publish failed; sending again in order', subject, from: messages[start]!.msgId, error: error.message });
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** stalled)));
  }
  return tail;
}
