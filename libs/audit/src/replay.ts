import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeRibInput } from '#libs/events';
import { LocRib, type RibEvent } from '#libs/rib';
import { readLog } from '#libs/streams';

/** A point in the log: up to and including a sequence, or every event stored at or before a time. */
export type Until = { readonly seq: number } | { readonly time: number } | undefined;

/** `--until` as given: a sequence number, or an ISO 8601 time. */
export function parseUntil(text: string | undefined): Result.Result<Until, string> {
  if (text === undefined) return Result.succeed(undefined);
  if (/^\d+$/.test(text)) return Result.succeed({ seq: Number(text) });
  const time = Date.parse(text);
  return Number.isNaN(time) ? Result.fail(`--until "${text}": expected a log sequence (e.g. 1042) or an ISO time (e.g. 2026-11-23T20:00:00Z)`) : Result.succeed({ time });
}

export interface LoggedEvent {
  readonly seq: number;
  /** When the log stored it (ms). */
  readonly stored: number;
  readonly event: RibEvent;
}

/**
 * The RIB input log from its first event to `until`, decoded; events that do not decode are
 * reported to `skipped` and passed over, as the running RIB does.
 */
export async function* readRibLog(nc: NatsConnection, stream: string, until: Until, skipped: (seq: number, why: string) => void): AsyncGenerator<LoggedEvent> {
  for await (const m of readLog(nc, stream, until && 'seq' in until ? until.seq : undefined)) {
    const stored = Math.floor(m.info.timestampNanos / 1e6);
    if (until && 'time' in until && stored > until.time) return;
    const event = decodeRibInput(m.string(), m.seq);
    if (Result.isSuccess(event)) yield { seq: m.seq, stored, event: event.success };
    else skipped(m.seq, event.failure);
  }
}

/** A scratch Loc-RIB rebuilt from the log up to `until`: what the RIB held at that point. */
export async function replay(nc: NatsConnection, stream: string, localAd: string, until: Until, skipped: (seq: number, why: string) => void): Promise<LocRib> {
  const rib = new LocRib(localAd);
  for await (const { event } of readRibLog(nc, stream, until, skipped)) rib.apply(event);
  return rib;
}
