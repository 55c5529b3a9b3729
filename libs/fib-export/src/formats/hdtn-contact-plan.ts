import { Result, Schema } from 'effect';
import { decodeJson } from '#libs/events';
import type { Contact } from './contact.ts';

/** HDTN's contact plan JSON; times are seconds from the plan's epoch. */
const HdtnPlan = Schema.Struct({
  contacts: Schema.Array(
    Schema.Struct({
      contact: Schema.Int,
      source: Schema.Int,
      dest: Schema.Int,
      startTime: Schema.Finite,
      endTime: Schema.Finite,
      rateBitsPerSec: Schema.Finite,
      owlt: Schema.Finite,
    }),
  ),
});

/** An HDTN contact plan of these contacts, times counted from `epoch` (one-way light time 1 s). */
export function toHdtnPlan(contacts: readonly Contact[], epoch: number): string {
  const plan = contacts.map((c, i) => ({
    contact: i,
    source: c.from,
    dest: c.to,
    startTime: Math.max(0, Math.round((c.start - epoch) / 1000)),
    endTime: Math.max(0, Math.round((c.end - epoch) / 1000)),
    rateBitsPerSec: c.rateBitsPerSec,
    owlt: 1,
  }));
  return `${JSON.stringify({ contacts: plan }, null, 2)}\n`;
}

/** An HDTN contact plan read back with validation; its times count from `epoch`. */
export function fromHdtnPlan(json: string, epoch: number): Result.Result<Contact[], string> {
  const decoded = decodeJson(HdtnPlan, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  return Result.succeed(
    decoded.success.contacts.map((c) => ({ from: c.source, to: c.dest, start: epoch + c.startTime * 1000, end: epoch + c.endTime * 1000, rateBitsPerSec: c.rateBitsPerSec })),
  );
}
