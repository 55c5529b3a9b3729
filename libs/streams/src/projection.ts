import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { consumeBatches } from './batch-consumer.ts';

/** What a batch came to, for the stage's counters. */
export interface BatchDone {
  /** The sequence of the batch's last message: where the stage stands once it is durable. */
  readonly last: number;
  readonly events: number;
  /** When the batch's first decision began (performance.now()): the stage's batch time runs from here to the end of its commit. */
  readonly started: number;
}

/**
 * A stage that turns one ordered log into another (design.md properties 2, 3 and 6): the import
 * stage, the RIB, each table export. The runner reads the input in order from where the stage's
 * durable state stands, passes each event to the stage's decider, publishes the batch's outputs
 * (in order, pipelined: libs/streams publishInOrder), and only then has the stage make the batch
 * durable. What differs between stages is only what is given here, so the order of those steps,
 * the quarantine and the resumption after a failure are written once.
 */
export interface Projection<Event, Out> {
  /** The input stream. */
  readonly stream: string;
  /** The most events decided before their outputs are published; a batch also ends when the server has nothing more pending. */
  readonly batch: number;
  readonly log: (line: Record<string, unknown>) => void;
  /**
   * Where the durable state stands: the sequence to read on from. Called at the start and after
   * every failed batch, when the state in memory may be ahead of what is durable: the stage
   * reloads it first.
   */
  readonly resume: () => Promise<number>;
  /** A message's event, or why it is none (a message of no known version). */
  readonly decode: (text: string, seq: number) => Result.Result<Event, string>;
  /**
   * One event applied to the state the stage holds: the outputs it makes, in order; or why it
   * cannot be applied (the event is then quarantined, and the state must not have changed).
   */
  readonly decide: (event: Event, seq: number) => Result.Result<readonly Out[], string> | Promise<Result.Result<readonly Out[], string>>;
  /** The log line of a quarantined event (its stream, sequence and reason are added). */
  readonly quarantined: string;
  /** Stores a batch's outputs, in order; a failure makes the runner resume from `resume()`. */
  readonly publish: (outputs: readonly Out[]) => Promise<void>;
  /** The batch's outputs are stored: the stage makes its position durable past `done.last`. */
  readonly commit: (done: BatchDone, outputs: readonly Out[]) => void | Promise<void>;
}

/**
 * Runs a projection until stopped. An event quarantined stays in its log for inspection and is
 * never applied half-way; the batch goes on without it.
 */
export function startProjection<Event, Out>(nc: NatsConnection, projection: Projection<Event, Out>): Promise<{ stop(): Promise<void> }> {
  const { stream, log } = projection;
  return consumeBatches(nc, { stream, batch: projection.batch, position: projection.resume, log }, async (messages) => {
    const started = performance.now();
    const outputs: Out[] = [];
    for (const m of messages) {
      const event = projection.decode(m.string(), m.seq);
      const decided: Result.Result<readonly Out[], string> = Result.isSuccess(event) ? await projection.decide(event.success, m.seq) : Result.fail(event.failure);
      if (Result.isFailure(decided)) {
        log({ level: 'error', msg: projection.quarantined, stream, seq: m.seq, error: decided.failure });
        continue;
      }
      for (const out of decided.success) outputs.push(out);
    }
    await projection.publish(outputs);
    await projection.commit({ last: messages.at(-1)!.seq, events: messages.length, started }, outputs);
  });
}
