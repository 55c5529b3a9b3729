import { Result, Schema } from 'effect';
import { currentPatternText } from '#libs/eid';
import { attributesOf, type AcceptedAdvertisement, type LocRibChange, type RibAdvertisement, type RibEvent } from '#libs/rib';
import { decodeJson } from './decode-json.ts';

/** The attributes of an advertisement (§6.2–§6.4); JSON leaves out those that are absent. */
export const attributeFields = {
  adPath: Schema.Array(Schema.String),
  metric: Schema.Int,
  gatewayEid: Schema.optional(Schema.String),
  validFrom: Schema.optional(Schema.Finite),
  validUntil: Schema.optional(Schema.Finite),
  bandwidthBps: Schema.optional(Schema.String),
  maxBundleSize: Schema.optional(Schema.Int),
  transitive: Schema.Array(Schema.Struct({ typeId: Schema.Int, value: Schema.String })),
};

/**
 * A RIB input event in the log, version 1: an import verdict or a recorded clock value. It holds
 * no sequence number: the RIB takes the log sequence it reads the event at. An advertisement is
 * written once with the list of its patterns. Patterns logged before draft -01 (`ipn:100.1`) are
 * read as -01 texts (`ipn:100.1.*`): the log keeps what was written, its readers agree on names.
 */
export const RibInputV1 = Schema.Union([
  Schema.Struct({ v: Schema.Literal(1), type: Schema.Literal('neighbor-up'), neighbor: Schema.String, peerAd: Schema.String, staleUntil: Schema.optional(Schema.Finite), session: Schema.optional(Schema.String), since: Schema.optional(Schema.Finite) }),
  Schema.Struct({ v: Schema.Literal(1), type: Schema.Literal('neighbor-down'), neighbor: Schema.String, staleUntil: Schema.optional(Schema.Finite), session: Schema.optional(Schema.String) }),
  Schema.Struct({
    v: Schema.Literal(1),
    type: Schema.Literal('update'),
    neighbor: Schema.String,
    peerAd: Schema.String,
    session: Schema.optional(Schema.String),
    withdrawn: Schema.Array(Schema.Struct({ patterns: Schema.Array(Schema.String), validFrom: Schema.optional(Schema.Finite) })),
    accepted: Schema.Array(Schema.Struct({ patterns: Schema.Array(Schema.String), rules: Schema.optional(Schema.Array(Schema.String)), ...attributeFields })),
    rejected: Schema.Array(Schema.Struct({ pattern: Schema.String, rule: Schema.String, reason: Schema.String })),
  }),
  Schema.Struct({ v: Schema.Literal(1), type: Schema.Literal('clock'), now: Schema.Finite }),
]);

/**
 * Loc-RIB changes in the log: those one RIB input event caused (its sequence and the RIB's clock
 * then), each the pattern and the advertisements that give it its best route now and before.
 * Version 1 wrote the advertisement out in every change; version 2 writes each advertisement of a
 * message once, and its changes name them by place in `advertisements`: a full-table load is an
 * advertisement of a hundred patterns a hundred times over, which every reader parsed and
 * allocated a hundred times. Version 3 writes the changes as three columns (`patterns`, `best`,
 * `previous`) instead of an object each: 44% of v2's bytes for a full table's message, and two
 * fifths of its decode time. All three are read; v3 is written. One message holds at most
 * `CHANGES_PER_MESSAGE`.
 */
const AdvertisementV1 = Schema.Struct({
  neighbor: Schema.String,
  peerAd: Schema.String,
  receivedSeq: Schema.Int,
  index: Schema.Int,
  ...attributeFields,
  /** The route's own window, when the change's window is an interval's (optional: v1 streams from before timelines have none). */
  ownWindow: Schema.optional(Schema.Struct({ validFrom: Schema.optional(Schema.Finite), validUntil: Schema.optional(Schema.Finite) })),
});
export const LocRibChangesV1 = Schema.Struct({
  v: Schema.Literal(1),
  causeSeq: Schema.Int,
  at: Schema.Finite,
  changes: Schema.Array(Schema.Struct({ pattern: Schema.String, best: Schema.NullOr(AdvertisementV1), previous: Schema.NullOr(AdvertisementV1) })),
});
export const LocRibChangesV2 = Schema.Struct({
  v: Schema.Literal(2),
  causeSeq: Schema.Int,
  at: Schema.Finite,
  advertisements: Schema.Array(AdvertisementV1),
  changes: Schema.Array(Schema.Struct({ pattern: Schema.String, best: Schema.NullOr(Schema.Int), previous: Schema.NullOr(Schema.Int) })),
});
export const LocRibChangesV3 = Schema.Struct({
  v: Schema.Literal(3),
  causeSeq: Schema.Int,
  at: Schema.Finite,
  advertisements: Schema.Array(AdvertisementV1),
  patterns: Schema.Array(Schema.String),
  best: Schema.Array(Schema.NullOr(Schema.Int)),
  previous: Schema.Array(Schema.NullOr(Schema.Int)),
});
const LocRibChanges = Schema.Union([LocRibChangesV3, LocRibChangesV2, LocRibChangesV1]);

/** Changes per change message: a full-table load is thousands of messages, not a million, and each stays far under max_payload. */
export const CHANGES_PER_MESSAGE = 1_000;

/** The log form of a RIB input event (its sequence is the log's). */
export const encodeRibInput = (event: RibEvent): string => {
  const { seq: _, ...rest } = event;
  return JSON.stringify({ v: 1, ...rest });
};

/** A RIB input event read back at log sequence `seq`, or why it cannot be applied. */
export function decodeRibInput(json: string, seq: number): Result.Result<RibEvent, string> {
  const decoded = decodeJson(RibInputV1, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const e = decoded.success;
  switch (e.type) {
    case 'neighbor-up':
      return Result.succeed({ type: e.type, seq, neighbor: e.neighbor, peerAd: e.peerAd, staleUntil: e.staleUntil, ...(e.session === undefined ? {} : { session: e.session }), ...(e.since === undefined ? {} : { since: e.since }) });
    case 'neighbor-down':
      return Result.succeed({ type: e.type, seq, neighbor: e.neighbor, staleUntil: e.staleUntil, ...(e.session === undefined ? {} : { session: e.session }) });
    case 'update':
      return Result.succeed({
        type: e.type,
        seq,
        neighbor: e.neighbor,
        peerAd: e.peerAd,
        ...(e.session === undefined ? {} : { session: e.session }),
        withdrawn: e.withdrawn.map((w) => ({ patterns: w.patterns.map(currentPatternText), validFrom: w.validFrom })),
        accepted: e.accepted.map((a): AcceptedAdvertisement => ({ patterns: a.patterns.map(currentPatternText), ...attributesOf(a), ...(a.rules === undefined ? {} : { rules: a.rules }) })),
        rejected: e.rejected,
      });
    case 'clock':
      return Result.succeed({ type: e.type, seq, now: e.now });
    default:
      return e satisfies never;
  }
}

/** The log form (v3) of changes of one RIB input event (the caller cuts them to `CHANGES_PER_MESSAGE`). */
export function encodeLocRibChanges(changes: readonly LocRibChange[]): string {
  const [first] = changes;
  if (first === undefined) throw new Error('no change to encode');
  // The winners of a RIB's changes are its held advertisements, one object for all their patterns.
  const places = new Map<RibAdvertisement, number>();
  const advertisements: string[] = [];
  const place = (a: RibAdvertisement | undefined): number | null => {
    if (a === undefined) return null;
    let at = places.get(a);
    if (at === undefined) places.set(a, (at = advertisements.push(JSON.stringify(a)) - 1));
    return at;
  };
  const patterns = JSON.stringify(changes.map((c) => c.pattern));
  const best = JSON.stringify(changes.map((c) => place(c.best)));
  const previous = JSON.stringify(changes.map((c) => place(c.previous)));
  return `{"v":3,"causeSeq":${first.causeSeq},"at":${first.at},"advertisements":[${advertisements.join(',')}],"patterns":${patterns},"best":${best},"previous":${previous}}`;
}

type AdvertisementV1 = typeof AdvertisementV1.Type;
const advertisementOf = (a: AdvertisementV1): RibAdvertisement => ({
  neighbor: a.neighbor,
  peerAd: a.peerAd,
  ...attributesOf(a),
  receivedSeq: a.receivedSeq,
  index: a.index,
  ...(a.ownWindow ? { ownWindow: { validFrom: a.ownWindow.validFrom, validUntil: a.ownWindow.validUntil } } : {}),
});

/** Loc-RIB changes read back from the change stream (v1, v2 or v3), or why they are not. In v2 and v3 the changes naming one advertisement share its object. */
export function decodeLocRibChanges(json: string): Result.Result<LocRibChange[], string> {
  const decoded = decodeJson(LocRibChanges, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const { causeSeq, at } = decoded.success;
  if (decoded.success.v === 1) {
    const read = (a: AdvertisementV1 | null) => (a === null ? undefined : advertisementOf(a));
    return Result.succeed(decoded.success.changes.map((c) => ({ pattern: currentPatternText(c.pattern), best: read(c.best), previous: read(c.previous), causeSeq, at })));
  }
  const message = decoded.success;
  const advertisements = message.advertisements.map(advertisementOf);
  // v2's changes as v3's columns: one loop reads both.
  const { patterns, best: bests, previous: previouses } =
    message.v === 3 ? message : { patterns: message.changes.map((c) => c.pattern), best: message.changes.map((c) => c.best), previous: message.changes.map((c) => c.previous) };
  if (bests.length !== patterns.length || previouses.length !== patterns.length) {
    return Result.fail(`columns of ${patterns.length} patterns, ${bests.length} best and ${previouses.length} previous: a change is one of each`);
  }
  const changes: LocRibChange[] = new Array(patterns.length);
  for (let i = 0; i < patterns.length; i++) {
    const best = bests[i] === null ? undefined : advertisements[bests[i]!];
    const previous = previouses[i] === null ? undefined : advertisements[previouses[i]!];
    const missing = bests[i] !== null && best === undefined ? bests[i] : previouses[i] !== null && previous === undefined ? previouses[i] : undefined;
    if (missing !== undefined) return Result.fail(`${message.v === 3 ? `change ${i}` : `["changes"][${i}]`}: names advertisement ${missing}, and the message has ${advertisements.length}`);
    // v2 and v3 were first written after draft -01: their patterns are -01 texts already.
    changes[i] = { pattern: patterns[i]!, best, previous, causeSeq, at };
  }
  return Result.succeed(changes);
}

/** Subjects inside the RIB's two streams, named after them: the input (verdicts, clock) and the Loc-RIB changes. */
export const ribSubjects = (config: { readonly ribInput: string; readonly locRib: string }) => ({
  input: `${config.ribInput.toLowerCase()}.>`,
  verdict: `${config.ribInput.toLowerCase()}.verdict`,
  clock: `${config.ribInput.toLowerCase()}.clock`,
  locRib: `${config.locRib.toLowerCase()}.>`,
  change: `${config.locRib.toLowerCase()}.change`,
});

/**
 * The RIB's two streams as every service that meets them creates them when missing: one spec, so
 * that whichever service starts first makes them as the others expect (file storage; resends
 * within two minutes stored once).
 */
export const ribStreams = (config: { readonly ribInput: string; readonly locRib: string; readonly replicas: number }) => {
  const subjects = ribSubjects(config);
  return {
    input: { name: config.ribInput, subjects: [subjects.input], duplicateWindowMs: 120_000, replicas: config.replicas },
    locRib: { name: config.locRib, subjects: [subjects.locRib], duplicateWindowMs: 120_000, replicas: config.replicas },
  };
};

/** The peer event log as every service that meets it creates it when missing (the session and policy services). */
export const peerEventStream = (config: { readonly peerEvents: string; readonly peerSubjectPrefix: string; readonly replicas: number }) => ({
  name: config.peerEvents,
  subjects: [`${config.peerSubjectPrefix}.>`],
  // A resend after a long outage must still fall inside the duplicate window (docs: the event log).
  duplicateWindowMs: 120_000,
  replicas: config.replicas,
});
