import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { checkHardyTvr, checkHdtnPlan, checkIonContacts, fromHardyTvr, fromHdtnPlan, fromIonContacts, toHardyTvr, toHdtnPlan, toIonContacts, type Contact, type FibEntry } from '#libs/fib-export';

/**
 * The contact plans Hardy, ION and HDTN ship (../shared/formats, README there), read where they
 * are: every one imports, and what it imports, written back in its own format, passes that
 * router's grammar with every contact and window kept.
 */
const FORMATS = fileURLToPath(new URL('../../../../shared/formats/', import.meta.url));
if (!existsSync(FORMATS)) throw new Error(`the routers' contact plans are not at ${FORMATS} (../shared/formats beside the repository)`);
const files = (dir: string) => readdirSync(`${FORMATS}${dir}`).map((name) => [name, readFileSync(`${FORMATS}${dir}/${name}`, 'utf8')] as const);
const EPOCH = Date.parse('2026-12-01T00:00:00Z');

/** Contacts written back: one ionadmin file per source node, as each node's FIB export would be. */
const ionAgain = (contacts: readonly Contact[]): string =>
  [...new Set(contacts.map((c) => c.from))].map((from) => toIonContacts(contacts.filter((c) => c.from === from)).text).join('');

describe("the routers' own contact plans", () => {
  it('Hardy: the TVR example reads whole (every construct), and its one-shot and permanent routes written back read the same', () => {
    const [[, text]] = files('hardy') as [readonly [string, string]];
    const { routes, errors } = fromHardyTvr(text);
    expect(errors).toEqual([]);
    expect(routes).toHaveLength(10);
    expect(routes[0]).toMatchObject({ pattern: 'ipn:3.*.*', via: 'ipn:3.1.0', priority: 10, bandwidthBps: '10000000000' });
    expect(routes[1]).toMatchObject({ pattern: 'dtn://**/**', via: 'dtn://gateway.example/', priority: 200 });
    expect(routes[2]).toMatchObject({ start: Date.parse('2026-03-27T08:00:00Z'), end: Date.parse('2026-03-27T09:30:00Z'), bandwidthBps: '256000', delayUs: 240_000_000 });
    expect(routes[3]).toMatchObject({ pattern: 'ipn:9.*.*', via: undefined, priority: 0 });
    expect(routes[5]).toMatchObject({ cron: '0 8 * * *', duration: 90 * 60_000, until: Date.parse('2026-06-30T00:00:00Z') });
    // What a FIB can hold (a next hop, at most one window) goes back out as it came.
    const fib: FibEntry[] = routes
      .filter((r) => r.via !== undefined && r.cron === undefined)
      .map((r) => ({ pattern: r.pattern, nextHop: r.via!, bandwidthBps: r.bandwidthBps, maxBundleSize: undefined, validFrom: r.start, validUntil: r.end, peerAd: 'x', adPath: [], causeSeq: 1 }));
    const { text: again, notes } = toHardyTvr(fib);
    expect(notes).toEqual([]);
    expect(checkHardyTvr(again)).toEqual([]);
    expect(fromHardyTvr(again).routes.map((r) => [r.pattern, r.via, r.start, r.end, r.bandwidthBps])).toEqual(fib.map((e) => [e.pattern, e.nextHop, e.validFrom, e.validUntil, e.bandwidthBps]));
  });

  it.each(files('ion'))('ION %s: imports with the windows ionadmin gives, skips what is no scheduled contact, and goes back out whole', (name, text) => {
    const { contacts, skipped, errors } = fromIonContacts(text, EPOCH);
    expect(errors).toEqual([]);
    const expected: Record<string, [number, number]> = {
      // [contacts, lines skipped]
      '3node-stcp-ltp-host1.ionrc': [7, 0],
      'bug-0007-duplicate-contacts.ionrc': [1, 0],
      'cgr-test-global.ionrc': [678, 0],
      'cpsync-global.ionrc': [6, 4],
      'req-0033-prob-CGR-contacts.ionrc': [2, 6],
    };
    expect([contacts.length, skipped.length]).toEqual(expected[name]);
    const again = ionAgain(contacts);
    expect(checkIonContacts(again)).toEqual([]);
    const order = (list: readonly Contact[]) => [...list].sort((a, b) => a.from - b.from || a.to - b.to || a.start - b.start);
    expect(order(fromIonContacts(again, EPOCH).contacts)).toEqual(order(contacts));
  });

  it('ION cgr-test-global.ionrc: each "@ +S" moves the reference, so the last contact starts 171,000 s on', () => {
    const [, text] = files('ion').find(([name]) => name === 'cgr-test-global.ionrc')!;
    const { contacts } = fromIonContacts(text, EPOCH);
    expect(contacts.at(-1)).toEqual({ from: 3, to: 7, start: EPOCH + 171_000_000, end: EPOCH + 171_900_000, rateBitsPerSec: 8192 });
    // The contact after the first "@ +1200": 1,200 s on, not at the epoch.
    expect(contacts.find((c) => c.from === 8 && c.to === 7)?.start).toBe(EPOCH + 1_200_000);
  });

  it.each(files('hdtn'))('HDTN %s: imports (owlt optional, string rates, 0 for unlimited), and goes back out whole', (name, text) => {
    const { contacts, skipped } = Result.getOrThrow(fromHdtnPlan(text, EPOCH));
    expect(contacts.length).toBeGreaterThan(0);
    // 10nodes.json has six contacts that end before they start.
    expect(skipped.map((s) => s.slice(0, s.indexOf(']') + 1))).toEqual(name === '10nodes.json' ? [202, 203, 212, 213, 278, 279].map((i) => `contacts[${i}]`) : []);
    const { text: again, notes } = toHdtnPlan(contacts, EPOCH);
    expect(notes).toEqual([]);
    expect(checkHdtnPlan(again)).toEqual([]);
    expect(Result.getOrThrow(fromHdtnPlan(again, EPOCH)).contacts).toEqual(contacts);
  });
});
