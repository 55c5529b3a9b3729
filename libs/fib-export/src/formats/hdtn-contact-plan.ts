import { Result, Schema } from 'effect';
import { decodeJson } from '#libs/events';
import type { Contact } from './contact.ts';

/**
 * HDTN's contact plan JSON, as its router reads it (module/router/src/router.cpp
 * ProcessContacts(), common/cgr/src/libcgr.cpp cp_load(); restated in
 * ../shared/formats/README.md): contact, source, dest, startTime and endTime are ints (int32),
 * the rate `rateBitsPerSec` a u64 (a JSON string of digits passes too; 0 is unlimited) or else
 * the deprecated `rate` in Mbit/s, `owlt` optional (0). Times are seconds from the moment the
 * router loads the plan, or from the Unix epoch when it runs with `--use-unix-timestamp`.
 */
const Int32 = Schema.Int.check(Schema.isBetween({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 }));
const Rate = Schema.Union([Schema.Finite, Schema.String.check(Schema.isPattern(/^\d{1,20}$/))]);
const HdtnPlan = Schema.Struct({
  contacts: Schema.Array(
    Schema.Struct({
      contact: Int32,
      source: Int32,
      dest: Int32,
      startTime: Int32,
      endTime: Int32,
      rateBitsPerSec: Schema.optional(Rate),
      rate: Schema.optional(Schema.Finite),
      owlt: Schema.optional(Schema.Finite),
    }),
  ),
});

const INT32_MAX = 2 ** 31 - 1;

/**
 * An HDTN contact plan of these contacts, times in seconds from `epoch` (default the Unix epoch:
 * run HDTN with `--use-unix-timestamp`). A contact that has ended by `epoch` is left out, one in
 * progress starts at 0, one whose times pass int32 is left out; all said in `notes`. A contact
 * without a rate is written at 0, HDTN's unlimited. One-way light time 1 s.
 */
export function toHdtnPlan(contacts: readonly Contact[], epoch = 0): { text: string; notes: string[] } {
  const notes: string[] = [];
  const plan: object[] = [];
  for (const c of contacts) {
    // Whole seconds, as ION's: the start at its second, the end at the next.
    const [start, end] = [Math.max(0, Math.floor((c.start - epoch) / 1000)), Math.ceil((c.end - epoch) / 1000)];
    const what = `contact ${c.from} → ${c.to} ${new Date(c.start).toISOString()}–${new Date(c.end).toISOString()}`;
    if (c.end <= c.start) notes.push(`not expressible in HDTN: ${what}: its window is empty`);
    else if (end <= 0) notes.push(`HDTN: ${what} has ended by the plan's epoch ${new Date(epoch).toISOString()}: left out`);
    else if (end > INT32_MAX) notes.push(`not expressible in HDTN: ${what}: its end is past HDTN's int32 seconds from the epoch`);
    else plan.push({ contact: plan.length, source: c.from, dest: c.to, startTime: start, endTime: end, rateBitsPerSec: c.rateBitsPerSec, owlt: 1 });
  }
  return { text: `${JSON.stringify({ contacts: plan }, null, 2)}\n`, notes };
}

/**
 * An HDTN contact plan read back with validation; its times count from `epoch`. A contact whose
 * window is empty (HDTN's reader takes it, and no bundle can use it: 10nodes.json has one) is no
 * route: skipped, with a note.
 */
export function fromHdtnPlan(json: string, epoch: number): Result.Result<{ contacts: Contact[]; skipped: string[] }, string> {
  const decoded = decodeJson(HdtnPlan, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const contacts: Contact[] = [];
  const skipped: string[] = [];
  for (const [i, c] of decoded.success.contacts.entries()) {
    const rate = c.rateBitsPerSec !== undefined ? Number(c.rateBitsPerSec) : c.rate !== undefined ? c.rate * 1_000_000 : undefined;
    if (rate === undefined) return Result.fail(`contacts[${i}]: neither rateBitsPerSec nor the deprecated rate (Mbit/s)`);
    if (c.endTime <= c.startTime) skipped.push(`contacts[${i}]: endTime ${c.endTime} is not after startTime ${c.startTime}: an empty window, no route`);
    else contacts.push({ from: c.source, to: c.dest, start: epoch + c.startTime * 1000, end: epoch + c.endTime * 1000, rateBitsPerSec: rate });
  }
  return Result.succeed({ contacts, skipped });
}

/** What HDTN's reader says of a plan we wrote: why it would refuse it, and every contact it could not use. */
export function checkHdtnPlan(json: string): string[] {
  const read = fromHdtnPlan(json, 0);
  return Result.isFailure(read) ? [read.failure] : read.success.skipped;
}
