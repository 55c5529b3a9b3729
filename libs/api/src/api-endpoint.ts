import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Result, Schema } from 'effect';

/**
 * The read API of a speaker's running services (README, "Live answers"): plain NATS
 * request/reply on `dpp.api.<ad token>.<endpoint>`, JSON both ways. Not the NATS services
 * framework (`@nats-io/services`): its only release is a 3.0 prerelease against an older
 * nats-core than the one dpp runs on. A reply is `{ v: 1, ok: true, ... }` or
 * `{ v: 1, ok: false, error }`.
 */
export const apiSubject = (adToken: string, endpoint: string): string => `dpp.api.${adToken}.${endpoint}`;

type Log = (line: Record<string, unknown>) => void;

/**
 * Answers requests on `subject` with `answer` (a request that does not decode, or an answer that
 * throws, gets an error reply and a log line: it never stops the service). `queue`: replicas of a
 * service share the subject and one of them answers; without it every instance does (`askAll`).
 */
export function serveEndpoint<Q, A extends object>(
  nc: NatsConnection,
  subject: string,
  options: { readonly queue?: string; readonly decode: (request: unknown) => Result.Result<Q, string>; readonly answer: (request: Q) => A | Promise<A>; readonly log: Log },
): { stop(): void } {
  const sub: Subscription = nc.subscribe(subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (error, m) => {
      if (error) return options.log({ level: 'warn', msg: 'API subscription ended', subject, error: error.message });
      const reply = (body: object) => void m.respond(JSON.stringify({ v: 1, ...body }));
      let raw: unknown;
      try {
        raw = m.data.length === 0 ? {} : m.json();
      } catch {
        return reply({ ok: false, error: 'the request is not JSON' });
      }
      const request = options.decode(raw);
      if (Result.isFailure(request)) return reply({ ok: false, error: request.failure });
      Promise.resolve()
        .then(() => options.answer(request.success))
        .then(
          (answer) => reply({ ok: true, ...answer }),
          (failure: Error) => {
            options.log({ level: 'error', msg: 'API request failed', subject, error: failure.message });
            reply({ ok: false, error: failure.message });
          },
        );
    },
  });
  return { stop: () => sub.unsubscribe() };
}

/** A request checked against its schema (no field it does not name), or why it is not `what`. */
export const decodeRequest =
  <S extends Parameters<typeof Schema.decodeUnknownResult>[0]>(schema: S, what: string) =>
  (raw: unknown): Result.Result<S['Type'], string> =>
    Result.mapError(Schema.decodeUnknownResult(schema)(raw, { onExcessProperty: 'error' }), (issue) => `not ${what}: ${String(issue)}`);

/** What a service answered, or why there is no answer (no service listening, a timeout, its error). */
export async function ask<A>(nc: NatsConnection, subject: string, request: object, timeoutMs = 10_000): Promise<Result.Result<A, string>> {
  try {
    const m = await nc.request(subject, JSON.stringify(request), { timeout: timeoutMs });
    const body = m.json<{ ok?: boolean; error?: string }>();
    return body.ok === true ? Result.succeed(body as A) : Result.fail(body.error ?? 'the service answered nothing it should');
  } catch (error) {
    const message = (error as Error).message;
    return Result.fail(/no responders/i.test(message) || (error as { isNoResponders?: () => boolean }).isNoResponders?.() ? `no service answers on ${subject}: is it running (dpp status)?` : `${subject}: ${message}`);
  }
}

/** Every answer that comes within `waitMs`, from each instance listening on `subject`. */
export async function askAll<A>(nc: NatsConnection, subject: string, request: object, waitMs = 1_000): Promise<A[]> {
  const answers: A[] = [];
  try {
    for await (const m of await nc.requestMany(subject, JSON.stringify(request), { maxWait: waitMs, strategy: 'timer' })) {
      const body = m.json<{ ok?: boolean }>();
      if (body.ok === true) answers.push(body as A);
    }
  } catch {
    // No responders: no instance runs.
  }
  return answers;
}
