import { Result } from 'effect';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPattern } from '#libs/eid';
import {
  checkHardyTvr,
  checkHdtnPlan,
  checkPlan,
  checkIonContacts,
  contactRoutes,
  exportPlan,
  fibEntryOf,
  fromHardyTvr,
  fromHdtnPlan,
  fromIonContacts,
  toHardyTvr,
  toHdtnPlan,
  toIonContacts,
  type Contact,
  type FibEntry,
  nodeOf,
  PLAN_FORMATS,
} from '#libs/fib-export';
import { anyPattern } from '../../../test/harness/arbitraries.ts';

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
const OPTIONS = { localNode: 1, from: T0, horizon: T0 + 24 * HOUR, hdtnEpoch: 0, defaultRateBps: 16_000 };

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
  it('round-trips the sample FIB: pattern, next hop (with the "/" Hardy wants after a dtn name), window, bandwidth', () => {
    const { text, notes } = toHardyTvr([...SAMPLE, entry('ipn:5.*.*', 'dtn://gw')]);
    expect(notes).toEqual([]);
    expect(text.split('\n')[1]).toBe('ipn:0.7.* via ipn:7.0 start 2026-12-01T00:00:00.000Z end 2026-12-01T01:00:00.000Z bandwidth 256000');
    expect(text).toContain('ipn:5.*.* via dtn://gw/\n');
    const { routes, errors } = fromHardyTvr(`# a comment\n${text}`);
    expect(errors).toEqual([]);
    expect(routes.slice(0, 4).map((r) => [r.pattern, r.via, r.start, r.end, r.bandwidthBps])).toEqual(SAMPLE.map((e) => [e.pattern, e.nextHop, e.validFrom, e.validUntil, e.bandwidthBps]));
  });

  it('leaves out, saying why, what Hardy would refuse: a next hop of node 0, an empty window', () => {
    const { text, notes } = toHardyTvr([entry('ipn:5.*.*', 'ipn:0.5'), entry('ipn:6.*.*', 'ipn:6.0', { validFrom: T0, validUntil: T0 }), entry('ipn:7.*.*', 'ipn:7.0')]);
    expect(text).toBe('ipn:7.*.* via ipn:7.0\n');
    expect(notes).toEqual([
      'not expressible in Hardy TVR: ipn:5.*.* via ipn:0.5: next hop ipn:0.5 is no EID Hardy takes (ipn:A.N.S, ipn:N.S with N > 0, dtn://name/service)',
      'not expressible in Hardy TVR: ipn:6.*.* via ipn:6.0: its window ends before it starts',
    ]);
  });

  it.each([
    ['ipn:1.* via ipn:0.5', 'line 1: via ipn:0.5: node 0 is the null endpoint'],
    ['ipn:* via ipn:5.0', 'line 1: pattern ipn:*: ipn:* is no Hardy pattern: write ipn:**'],
    ['dtn://gw.example via dtn://gw.example/', 'line 1: pattern dtn://gw.example: expected'],
    ['ipn:1.*.* via dtn://gw', 'the "/" after a dtn name is required'],
    ['ipn:1.*.* via ipn:1.0 start 2026-03-27T08:00:00Z end 2026-03-27T08:00:00Z', 'end must be after start'],
    ['ipn:1.*.* via ipn:1.0 cron "0 8 * * *"', 'cron and duration go together'],
    ['ipn:1.*.* via ipn:1.0 start 2026-03-27T08:00:00Z duration 1h', 'do not go together'],
    ['ipn:1.*.* via ipn:1.0 priority 1 priority 2', 'field priority given twice'],
    ['ipn:1.*.* via ipn:1.0 bandwidth 1X', 'bandwidth 1X'],
    ['ipn:1.*.* to ipn:1.0', 'expected "via <EID>" or "drop"'],
  ])('refuses %s, as Hardy does', (line, why) => {
    expect(checkHardyTvr(line)[0]).toContain(why);
  });
});

describe('ION contacts', () => {
  it('reads a contact plan, windows and rates kept; relative times count from the epoch', () => {
    const { contacts, errors } = fromIonContacts(ION, T0);
    expect(errors).toEqual([]);
    expect(contacts).toEqual([
      { from: 1, to: 1, start: T0, end: T0 + 24 * HOUR, rateBitsPerSec: 1_000_000_000 },
      { from: 1, to: 7, start: T0, end: T0 + HOUR, rateBitsPerSec: 256_000 },
      { from: 1, to: 12, start: T0 + 2 * HOUR, end: T0 + 3 * HOUR, rateBitsPerSec: 8_000 },
      { from: 7, to: 1, start: T0, end: T0 + 600_000, rateBitsPerSec: 256_000 },
    ]);
    expect(fromIonContacts('a contact +10 +5 1 2 100', T0).errors).toEqual(['line 1: the contact ends before it starts']);
  });

  it('moves the reference time at each "@" line, absolute or relative to the one before', () => {
    const { contacts } = fromIonContacts('a contact +0 +10 1 2 100\n@ +1200\na contact +0 +10 1 2 100\n@ +1200\na contact +5 +10 1 2 100\n@ 2026/12/02-00:00:00\na contact +0 +10 1 2 100\n', T0);
    expect(contacts.map((c) => (c.start - T0) / 1000)).toEqual([0, 1200, 2405, 86_400]);
  });

  it('skips registration, hypothetical and unlikely contacts with a note, and reads numbers as strtol does', () => {
    const { contacts, skipped, errors } = fromIonContacts('a contact -1 -1 1 1 0\na contact 0 0 2 3 0 0.0\na contact +0 +60 0x3 010 100 0.1\na contact +0 +60 0x3 010 100 0.9\n', T0);
    expect(errors).toEqual([]);
    expect(skipped).toEqual([
      'line 1: a registration contact (start -1): no window, no route',
      'line 2: a hypothetical contact (end 0): no window, no route',
      'line 3: confidence 0.1 is under 0.5: not taken as a route',
    ]);
    expect(contacts).toEqual([{ from: 3, to: 8, start: T0, end: T0 + 60_000, rateBitsPerSec: 800 }]);
  });

  it('writes the FIB as contacts from our node: deletions first, the patterns as comments, and says what it cannot express', () => {
    // A window to node 12 that touches the other one, without a rate: merged, at the highest.
    const touching = [...SAMPLE, entry('ipn:0.12.*', 'ipn:12.0', { validFrom: T0 + HOUR, validUntil: T0 + 2 * HOUR })];
    const { text, notes, pairs } = exportPlan('ion', touching, { ...OPTIONS, replaces: [[1, 40]] });
    expect(text).toBe(
      [
        'd contact * 1 40',
        'd range * 1 40',
        'd contact * 1 7',
        'd range * 1 7',
        'd contact * 1 12',
        'd range * 1 12',
        '# ipn:0.7.* via ipn:7.0',
        '# ipn:0.[8-9].* via ipn:7.0',
        'a contact 2026/12/01-00:00:00 2026/12/01-01:00:00 1 7 32000',
        'a range 2026/12/01-00:00:00 2026/12/01-01:00:00 1 7 1',
        '# ipn:0.12.* via ipn:12.0',
        '# dtn://rover.example.org/** via ipn:0.12.0',
        'a contact 2026/12/01-01:00:00 2026/12/01-03:00:00 1 12 2000',
        'a range 2026/12/01-01:00:00 2026/12/01-03:00:00 1 12 1',
        '',
      ].join('\n'),
    );
    expect(notes).toEqual([
      'not expressible in ION (next hop is no ipn node of allocator 0): ipn:100.*.* via dtn://dsn.example.org/',
      'ipn:0.12.* via ipn:12.0 has no bandwidth: its contact is written at 16000 bit/s (ION refuses 0)',
    ]);
    expect(pairs).toEqual([[1, 40], [1, 7], [1, 12]]);
    expect(checkIonContacts(text)).toEqual([]);
  });

  it('leaves out or bounds what ION cannot hold, saying so', () => {
    const after2038 = Date.parse('2038-02-01T00:00:00Z');
    const { text, notes } = toIonContacts([
      { from: 1, to: 0, start: T0, end: T0 + HOUR, rateBitsPerSec: 8000 },
      { from: 1, to: 2, start: T0, end: T0 + HOUR, rateBitsPerSec: 7 },
      { from: 1, to: 3, start: after2038, end: after2038 + HOUR, rateBitsPerSec: 8000 },
      { from: 1, to: 4, start: T0, end: after2038, rateBitsPerSec: 8 * 2 ** 33 },
    ]);
    expect(notes.map((n) => n.replace(/: contact .*?Z: /, ': ').replace(/ contact .*?Z /, ' '))).toEqual([
      'not expressible in ION: node 0 is refused by ION',
      'not expressible in ION: a rate of 7 bit/s is under ION\'s 1 byte/s',
      'not expressible in ION: it starts after 2038-01-19T03:14:07Z, the last time ION holds',
      'ION: ends at 2038-01-19T03:14:07Z, the last time ION holds',
      'ION: written at 4294967295 bytes/s, the most ION holds',
    ]);
    expect(text).toContain('a contact 2026/12/01-00:00:00 2038/01/19-03:14:07 1 4 4294967295\n');
    expect(checkIonContacts(text)).toEqual([]);
    expect(checkIonContacts('a contact 2026/12/01-00:00:00 2038/01/19-03:14:08 1 4 5\n')).toHaveLength(1);
  });
});

describe('ION plans and exits (ipnadmin)', () => {
  it('writes a plan per neighbour and an exit per unscheduled set of allocator-0 nodes, most specific first, and says what is no exit', () => {
    const entries = [
      entry('ipn:**', 'ipn:9.0'),
      entry('ipn:0.[10-13].*', 'ipn:7.0'),
      entry('ipn:0.7.*', 'ipn:7.0'),
      entry('ipn:0.20.*', 'ipn:7.0'),
      entry('ipn:5.*.*', 'ipn:7.0'),
      entry('ipn:0.21.5', 'ipn:7.0'),
      entry('dtn://rover.example.org/**', 'ipn:7.0'),
      entry('ipn:0.30.*', 'ipn:9.0', { validFrom: T0, validUntil: T0 + HOUR }),
    ];
    const { text, notes } = exportPlan('ion-ipn', entries, { ...OPTIONS, ionDuctTemplate: 'ltp/{node}' });
    expect(text.split('\n')).toEqual([
      'd plan 7',
      'a plan 7 ltp/7',
      'd plan 9',
      'a plan 9 ltp/9',
      '# ipn:0.20.* via ipn:7.0',
      'd exit 20 20',
      'a exit 20 20 ipn:7.0',
      '# ipn:0.[10-13].* via ipn:7.0',
      'd exit 10 13',
      'a exit 10 13 ipn:7.0',
      '# ipn:** via ipn:9.0',
      'd exit 1 4294967295',
      'a exit 1 4294967295 ipn:9.0',
      '',
    ]);
    expect(notes).toEqual([
      "not expressible as an ION exit: ipn:5.*.* via ipn:7.0: ION has only allocator 0's nodes, not allocator 5's",
      'not expressible as an ION exit: ipn:0.21.5 via ipn:7.0: an exit takes every service of its nodes',
      'not expressible as an ION exit: dtn://rover.example.org/** via ipn:7.0: an exit is a range of ipn nodes',
    ]);
    expect(checkPlan('ion-ipn', text)).toEqual([]);
    expect(exportPlan('ion-ipn', entries, OPTIONS).notes.at(-1)).toBe('ION needs an egress plan for each neighbour (7, 9): give --ion-duct-template (ltp/{node}, for example) to write them');
  });
});

describe('HDTN contact plans', () => {
  it('round-trips a plan, times counted from the Unix epoch by default', () => {
    const contacts: Contact[] = [{ from: 10, to: 2, start: T0, end: T0 + 1_000_000, rateBitsPerSec: 100_000 }];
    const { text, notes } = toHdtnPlan(contacts);
    expect(notes).toEqual([]);
    expect(JSON.parse(text).contacts[0]).toMatchObject({ startTime: T0 / 1000, endTime: T0 / 1000 + 1000 });
    expect(Result.getOrThrow(fromHdtnPlan(text, 0)).contacts).toEqual(contacts);
    expect(checkHdtnPlan(text)).toEqual([]);
  });

  it('drops what has ended by the epoch, starts at 0 what is under way, and writes a route without bandwidth at 0 (unlimited), without merging', () => {
    const entries = [entry('ipn:0.7.*', 'ipn:7.0', { validFrom: T0, validUntil: T0 + HOUR }), entry('ipn:0.8.*', 'ipn:7.0', { validFrom: T0 + HOUR, validUntil: T0 + 2 * HOUR }), entry('ipn:0.9.*', 'ipn:9.0', { validFrom: T0 - 2 * HOUR, validUntil: T0 - HOUR })];
    const { text, notes } = exportPlan('hdtn', entries, { ...OPTIONS, hdtnEpoch: T0 + HOUR / 2 });
    expect(JSON.parse(text).contacts.map((c: Record<string, number>) => [c['dest'], c['startTime'], c['endTime'], c['rateBitsPerSec']])).toEqual([[7, 0, 1800, 0], [7, 1800, 5400, 0]]);
    expect(notes).toEqual([expect.stringContaining('has ended by the plan\'s epoch')]);
  });

  it('reads plans without owlt, with a rate as a string, or with the deprecated rate in Mbit/s', () => {
    const plan = (c: object) => JSON.stringify({ contacts: [{ contact: 0, source: 1, dest: 2, startTime: 0, endTime: 10, ...c }] });
    expect(Result.getOrThrow(fromHdtnPlan(plan({ rateBitsPerSec: 5 }), 0)).contacts[0]?.rateBitsPerSec).toBe(5);
    expect(Result.getOrThrow(fromHdtnPlan(plan({ rateBitsPerSec: '1000000000' }), 0)).contacts[0]?.rateBitsPerSec).toBe(1e9);
    expect(Result.getOrThrow(fromHdtnPlan(plan({ rate: 2 }), 0)).contacts[0]?.rateBitsPerSec).toBe(2_000_000);
    expect(Result.isFailure(fromHdtnPlan(plan({}), 0))).toBe(true);
    expect(Result.isFailure(fromHdtnPlan(plan({ rateBitsPerSec: 1, startTime: 2 ** 31 }), 0))).toBe(true);
  });
});

describe('contact plans imported as routes, then exported', () => {
  it('keep their windows and rates, ION → routes → ION and HDTN → routes → HDTN', () => {
    const viaRoutes = (contacts: readonly Contact[], format: 'ion' | 'hdtn'): string => {
      const { events, skipped } = contactRoutes(contacts, 1, 'us.example.org');
      expect(skipped.every((c) => c.from !== 1 || c.to === 1)).toBe(true);
      const update = events.find((e) => e.type === 'update')!;
      if (update.type !== 'update') throw new Error('no routes');
      // The FIB entries these routes give when their windows are open.
      const entries = update.accepted.flatMap((a, index) => a.patterns.map((p) => fibEntryOf(p, { ...a, neighbor: update.neighbor, peerAd: update.peerAd, receivedSeq: 1, index }, 1)));
      return exportPlan(format, entries, { ...OPTIONS, hdtnEpoch: T0 }).text;
    };
    const ion = fromIonContacts(ION, T0).contacts;
    // Our node's contacts with others: the loopback contact is no route.
    const ours = ion.filter((c) => c.from === 1 && c.to !== 1);
    expect(fromIonContacts(viaRoutes(ion, 'ion'), T0).contacts).toEqual(ours);
    expect(Result.getOrThrow(fromHdtnPlan(viaRoutes(ion, 'hdtn'), T0)).contacts).toEqual(ours);
  });
});

describe('any FIB, in every format', () => {
  const time = fc.integer({ min: T0 - 10 * HOUR, max: Date.parse('2100-01-01T00:00:00Z') });
  const nextHop = fc.oneof(
    fc.integer({ min: 0, max: 20 }).map((n) => `ipn:${n}.0`),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 20 })).map(([a, n]) => `ipn:${a}.${n}.0`),
    fc.constantFrom('ipn:0.5', 'dtn://gw.example.org/', 'dtn://gw.example.org', 'dtn://gw.example.org/in'),
  );
  const fibEntry = fc
    .record({
      pattern: anyPattern.map(formatPattern),
      nextHop,
      bandwidth: fc.option(fc.oneof(fc.constantFrom(0n, 7n, 8n, 10n ** 12n), fc.bigInt({ min: 0n, max: 10n ** 12n }))),
      window: fc.option(fc.tuple(time, time).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)),
    })
    .map(({ pattern, nextHop, bandwidth, window }) =>
      entry(pattern, nextHop, { bandwidthBps: bandwidth === null ? undefined : String(bandwidth), validFrom: window?.[0], validUntil: window?.[1] }),
    );

  it('writes what the router accepts, and leaves out with a note what it cannot say: never a silently different meaning', () => {
    fc.assert(
      // A FIB holds one entry per pattern and window start.
      fc.property(fc.uniqueArray(fibEntry, { maxLength: 25, selector: (e) => `${e.pattern} ${e.validFrom}` }), (entries) => {
        for (const format of PLAN_FORMATS) {
          const { text, notes } = exportPlan(format, entries, OPTIONS);
          expect(checkPlan(format, text), format).toEqual([]);
          const said = (e: FibEntry) => `${e.pattern} via ${e.nextHop}`;
          if (format === 'hardy') {
            const back = fromHardyTvr(text).routes;
            for (const e of entries) {
              const written = back.find((r) => r.pattern === e.pattern && r.via?.replace(/\/$/, '') === e.nextHop.replace(/\/$/, '') && r.start === e.validFrom && r.end === e.validUntil);
              if (written) expect(written.bandwidthBps).toBe(e.bandwidthBps);
              else expect(notes.some((n) => n.includes(said(e))), `${said(e)} neither written nor noted`).toBe(true);
            }
          } else if (format === 'ion-ipn') {
            // An unscheduled route is an exit, a neighbour's own pattern (its plan serves it), or named in a note.
            const own = (e: FibEntry) => e.pattern === `ipn:0.${nodeOf(e.nextHop)}.*`;
            const scheduled = (e: FibEntry) => e.validFrom !== undefined || e.validUntil !== undefined;
            for (const e of entries) expect(scheduled(e) || own(e) || text.includes(`# ${said(e)}\n`) || notes.some((n) => n.includes(said(e))), `${said(e)} neither written nor noted`).toBe(true);
          } else if (format === 'ion') {
            // Each route is a comment over its contact, or named in a note.
            for (const e of entries) expect(text.includes(`# ${said(e)}\n`) || notes.some((n) => n.includes(said(e))), `${said(e)} neither written nor noted`).toBe(true);
          } else {
            const written = Result.getOrThrow(fromHdtnPlan(text, OPTIONS.hdtnEpoch)).contacts.length;
            const mapped = entries.length - notes.filter((n) => n.startsWith('not expressible in HDTN (next hop')).length;
            expect(written + notes.filter((n) => n.startsWith('HDTN:') || n.startsWith('not expressible in HDTN:')).length).toBe(mapped);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
