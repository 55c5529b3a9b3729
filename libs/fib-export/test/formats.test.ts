import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { contactRoutes, fibContacts, fibEntryOf, fromHardyTvr, fromHdtnPlan, fromIonContacts, toHardyTvr, toHdtnPlan, toIonContacts, type Contact, type FibEntry } from '#libs/fib-export';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const entry = (pattern: string, nextHop: string, over: Partial<FibEntry> = {}): FibEntry => ({
  pattern,
  nextHop,
  bandwidthBps: undefined,
  maxBundleSize: undefined,
  validFrom: undefined,
  validUntil: undefined,
  peerAd: 'dsn.example.org',
  adPath: ['dsn.example.org'],
  causeSeq: 1,
  ...over,
});

const SAMPLE: FibEntry[] = [
  entry('ipn:100.*.*', 'dtn://dsn.example.org/'),
  entry('ipn:0.7.*', 'ipn:7.0', { validFrom: T0, validUntil: T0 + HOUR, bandwidthBps: '256000' }),
  entry('ipn:0.[8-9].*', 'ipn:7.0', { validFrom: T0, validUntil: T0 + HOUR, bandwidthBps: '256000' }),
  entry('dtn://rover.example.org/**', 'ipn:0.12.0', { validFrom: T0 + 2 * HOUR, validUntil: T0 + 3 * HOUR, bandwidthBps: '8000' }),
];

/** An ION contact plan as operators write them: relative and absolute times, ranges, other commands. */
const ION = `# goldstone passes
1
s
a contact +0 +86400 1 1 125000000
a contact +0 +3600 1 7 32000
a range +0 +3600 1 7 1
a contact 2026/12/01-02:00:00 2026/12/01-03:00:00 1 12 1000
a contact +0 +600 7 1 32000
`;

describe('Hardy TVR contact lines', () => {
  it('round-trips the sample FIB: pattern, next hop, window, bandwidth', () => {
    const text = toHardyTvr(SAMPLE);
    expect(text.split('\n')[1]).toBe('ipn:0.7.* via ipn:7.0 start 2026-12-01T00:00:00.000Z end 2026-12-01T01:00:00.000Z bandwidth 256000');
    const { routes, errors } = fromHardyTvr(`# a comment\n${text}`);
    expect(errors).toEqual([]);
    expect(routes).toEqual(SAMPLE.map((e) => ({ pattern: e.pattern, via: e.nextHop, start: e.validFrom, end: e.validUntil, bandwidthBps: e.bandwidthBps })));
    expect(fromHardyTvr('ipn:1.* to ipn:0.5').errors).toEqual(['line 1: expected "<pattern> via <eid> [start <RFC3339>] [end <RFC3339>] [bandwidth <bits/s>]"']);
  });
});

describe('ION contacts', () => {
  it('round-trips a contact plan, windows and rates kept; relative times count from the epoch', () => {
    const { contacts, errors } = fromIonContacts(ION, T0);
    expect(errors).toEqual([]);
    expect(contacts).toEqual([
      { from: 1, to: 1, start: T0, end: T0 + 24 * HOUR, rateBitsPerSec: 1_000_000_000 },
      { from: 1, to: 7, start: T0, end: T0 + HOUR, rateBitsPerSec: 256_000 },
      { from: 1, to: 12, start: T0 + 2 * HOUR, end: T0 + 3 * HOUR, rateBitsPerSec: 8_000 },
      { from: 7, to: 1, start: T0, end: T0 + 600_000, rateBitsPerSec: 256_000 },
    ]);
    expect(fromIonContacts(toIonContacts(contacts), 0).contacts).toEqual(contacts);
    expect(fromIonContacts('a contact +10 +5 1 2 100', T0).errors).toHaveLength(1);
  });

  it('writes the FIB as contacts from our node, the patterns as comments, and says what it cannot express', () => {
    // A window to node 12 that touches the other one, at another rate and without one: merged, at the highest.
    const touching = [...SAMPLE, entry('ipn:0.12.*', 'ipn:12.0', { validFrom: T0 + HOUR, validUntil: T0 + 2 * HOUR })];
    const { contacts, carried, unmapped, unrated } = fibContacts(touching, 1, { from: T0, horizon: T0 + 24 * HOUR, defaultRateBps: 16_000 });
    expect(unrated.map((e) => e.pattern)).toEqual(['ipn:0.12.*']);
    const text = toIonContacts(contacts, carried, unmapped.map((e) => `${e.pattern} via ${e.nextHop}`));
    expect(text).toBe(
      [
        '# ipn:0.7.* via ipn:7.0',
        '# ipn:0.[8-9].* via ipn:7.0',
        'a contact 2026/12/01-00:00:00 2026/12/01-01:00:00 1 7 32000',
        'a range 2026/12/01-00:00:00 2026/12/01-01:00:00 1 7 1',
        '# ipn:0.12.* via ipn:12.0',
        '# dtn://rover.example.org/** via ipn:0.12.0',
        'a contact 2026/12/01-01:00:00 2026/12/01-03:00:00 1 12 2000',
        'a range 2026/12/01-01:00:00 2026/12/01-03:00:00 1 12 1',
        '# not expressible in ION (next hop is no ipn node of allocator 0): ipn:100.*.* via dtn://dsn.example.org/',
        '',
      ].join('\n'),
    );
  });
});

describe('HDTN contact plans', () => {
  it('round-trips a plan, times counted from the epoch', () => {
    const plan = JSON.stringify({ contacts: [{ contact: 0, source: 10, dest: 2, startTime: 0, endTime: 1000, rateBitsPerSec: 100000, owlt: 1 }] });
    const contacts = Result.getOrThrow(fromHdtnPlan(plan, T0));
    expect(contacts).toEqual([{ from: 10, to: 2, start: T0, end: T0 + 1_000_000, rateBitsPerSec: 100_000 }]);
    expect(Result.getOrThrow(fromHdtnPlan(toHdtnPlan(contacts, T0), T0))).toEqual(contacts);
    expect(Result.isFailure(fromHdtnPlan('{"contacts":[{"source":1}]}', T0))).toBe(true);
  });
});

describe('contact plans imported as routes, then exported', () => {
  it('keep their windows and rates, ION → routes → ION and HDTN → routes → HDTN', () => {
    const viaRoutes = (contacts: readonly Contact[]): Contact[] => {
      const { events, skipped } = contactRoutes(contacts, 1, 'us.example.org');
      expect(skipped.every((c) => c.from !== 1 || c.to === 1)).toBe(true);
      const update = events.find((e) => e.type === 'update')!;
      if (update.type !== 'update') throw new Error('no routes');
      // The FIB entries these routes give when their windows are open.
      const entries = update.accepted.flatMap((a, index) => a.patterns.map((p) => fibEntryOf(p, { ...a, neighbor: update.neighbor, peerAd: update.peerAd, receivedSeq: 1, index }, 1)));
      return fibContacts(entries, 1, { from: T0, horizon: T0, defaultRateBps: 1 }).contacts;
    };
    const ion = fromIonContacts(ION, T0).contacts;
    // Our node's contacts with others: the loopback contact is no route.
    const ours = ion.filter((c) => c.from === 1 && c.to !== 1);
    expect(fromIonContacts(toIonContacts(viaRoutes(ion)), T0).contacts).toEqual(ours);
    expect(Result.getOrThrow(fromHdtnPlan(toHdtnPlan(viaRoutes(ion), T0), T0))).toEqual(ours);
  });
});
