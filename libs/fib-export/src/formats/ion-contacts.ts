import type { FibEntry } from '../fib-entry.ts';
import { nodeOf, type Contact } from './contact.ts';

/**
 * ION's contact plan: `ionadmin` commands (ionrc(5); the parser is ici/utils/ionadmin.c, times
 * ici/library/ion.c readTimestamp(); the grammar restated in ../shared/formats/README.md).
 */

/** ION keeps times as 32-bit POSIX seconds: nothing after 2038-01-19T03:14:07Z. */
const ION_LAST_TIME = 0x7fff_ffff * 1000;
/** ION's rate is an unsigned 32-bit count of bytes/s, and 0 is refused. */
const ION_MAX_RATE_BYTES = 0xffff_ffff;

/** ION's absolute time form, UTC: `yyyy/mm/dd-hh:mm:ss`; ION counts whole seconds, so a contact's start is written at its second and its end at the next (a contact never shrinks to nothing). */
const ionTime = (ms: number, round: 'start' | 'end'): string =>
  new Date(round === 'start' ? Math.floor(ms / 1000) * 1000 : Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', '-');

/**
 * Contacts from the FIB: the local node to each next hop that is an ipn node of the default
 * allocator, over the routes' windows (open ends at `from` and `horizon`), at their bandwidth.
 * With `merge` (ION: it keeps only the first of overlapping contacts between two nodes, touching
 * ones included), windows to one node that overlap or touch become one contact at the highest of
 * their rates. A route without bandwidth gets `defaultRateBps` (ION refuses a rate of 0; HDTN
 * passes undefined, its 0 meaning unlimited) and is reported in `unrated`. Each contact comes
 * with the patterns it carries (for comments); entries whose next hop is no such node are
 * `unmapped`.
 */
export function fibContacts(
  entries: readonly FibEntry[],
  localNode: number,
  window: { readonly from: number; readonly horizon: number; readonly defaultRateBps: number | undefined; readonly merge: boolean },
): { contacts: Contact[]; carried: Map<Contact, string[]>; unmapped: FibEntry[]; unrated: FibEntry[] } {
  const unmapped: FibEntry[] = [];
  const unrated: FibEntry[] = [];
  const byNode = new Map<number, { contact: Contact; carries: string }[]>();
  for (const e of entries) {
    const to = nodeOf(e.nextHop);
    if (to === undefined) {
      unmapped.push(e);
      continue;
    }
    if (e.bandwidthBps === undefined && window.defaultRateBps !== undefined) unrated.push(e);
    const contact: Contact = { from: localNode, to, start: e.validFrom ?? window.from, end: e.validUntil ?? window.horizon, rateBitsPerSec: Number(e.bandwidthBps ?? window.defaultRateBps ?? 0) };
    byNode.set(to, [...(byNode.get(to) ?? []), { contact, carries: `${e.pattern} via ${e.nextHop}` }]);
  }
  const contacts: Contact[] = [];
  const carried = new Map<Contact, string[]>();
  for (const windows of byNode.values()) {
    windows.sort((a, b) => a.contact.start - b.contact.start);
    let current: { contact: Contact; carries: string[] } | undefined;
    for (const { contact, carries } of windows) {
      if (window.merge && current && contact.start <= current.contact.end) {
        current.contact = { ...current.contact, end: Math.max(current.contact.end, contact.end), rateBitsPerSec: Math.max(current.contact.rateBitsPerSec, contact.rateBitsPerSec) };
        current.carries.push(carries);
        continue;
      }
      if (current) contacts.push(current.contact), carried.set(current.contact, current.carries);
      current = { contact, carries: [carries] };
    }
    if (current) contacts.push(current.contact), carried.set(current.contact, current.carries);
  }
  return { contacts, carried, unmapped, unrated };
}

/**
 * ionadmin commands for contacts from one node: first `d contact *` and `d range *` for every pair
 * in `replaces` and in the plan (ION keeps what a file loaded before and ignores a new contact
 * that overlaps an old one, so a reload must delete before it adds), then per contact an
 * `a contact` (rate in bytes/s) and an `a range` (one-way light time 1 s). What ION would refuse
 * is left out or bounded, and said in `notes`: node 0, a rate under 8 bit/s, a contact that
 * starts after ION's last time; a rate above 2^32-1 bytes/s is written at that, and an end after
 * ION's last time at that time.
 */
export function toIonContacts(
  contacts: readonly Contact[],
  options: { readonly comments?: ReadonlyMap<Contact, readonly string[]>; readonly replaces?: Iterable<readonly [number, number]> } = {},
): { text: string; notes: string[]; pairs: [number, number][] } {
  const notes: string[] = [];
  const written: string[] = [];
  const pairs = new Map<string, [number, number]>();
  for (const [from, to] of options.replaces ?? []) pairs.set(`${from} ${to}`, [from, to]);
  for (const c of contacts) {
    const what = `contact ${c.from} → ${c.to} ${new Date(c.start).toISOString()}–${new Date(c.end).toISOString()}`;
    const refused =
      c.from === 0 || c.to === 0 ? 'node 0 is refused by ION'
      : c.end <= c.start ? 'its window is empty'
      : c.rateBitsPerSec < 8 ? `a rate of ${c.rateBitsPerSec} bit/s is under ION's 1 byte/s`
      : c.start >= ION_LAST_TIME ? 'it starts after 2038-01-19T03:14:07Z, the last time ION holds'
      : undefined;
    if (refused !== undefined) {
      const carries = options.comments?.get(c);
      notes.push(`not expressible in ION: ${what}: ${refused}${carries ? ` (it carries ${carries.join(', ')})` : ''}`);
      continue;
    }
    const end = Math.min(c.end, ION_LAST_TIME);
    if (end < c.end) notes.push(`ION: ${what} ends at 2038-01-19T03:14:07Z, the last time ION holds`);
    const bytes = Math.min(Math.floor(c.rateBitsPerSec / 8), ION_MAX_RATE_BYTES);
    if (bytes < Math.floor(c.rateBitsPerSec / 8)) notes.push(`ION: ${what} written at ${ION_MAX_RATE_BYTES} bytes/s, the most ION holds`);
    pairs.set(`${c.from} ${c.to}`, [c.from, c.to]);
    written.push(
      ...(options.comments?.get(c) ?? []).map((carried) => `# ${carried}`),
      `a contact ${ionTime(c.start, 'start')} ${ionTime(end, 'end')} ${c.from} ${c.to} ${bytes}`,
      `a range ${ionTime(c.start, 'start')} ${ionTime(end, 'end')} ${c.from} ${c.to} 1`,
    );
  }
  const deletions = [...pairs.values()].flatMap(([from, to]) => [`d contact * ${from} ${to}`, `d range * ${from} ${to}`]);
  return { text: [...deletions, ...written].map((l) => `${l}\n`).join(''), notes, pairs: [...pairs.values()] };
}

/**
 * An ION number as ionadmin reads it (strtol base 0: `0x` hexadecimal, a leading `0` octal),
 * the whole word or NaN.
 */
function ionNumber(word: string | undefined): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(word ?? '');
  if (!m) return NaN;
  const digits = m[2]!;
  const value = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits.slice(1), 8) : Number(digits);
  return m[1] === '-' ? -value : value;
}

/** An ION time: `+S` from the reference time, or `yyyy/mm/dd-hh:mm:ss` UTC; NaN if neither. */
function ionTimeOf(word: string | undefined, reference: number): number {
  if (word?.startsWith('+')) return reference + ionNumber(word.slice(1)) * 1000;
  const m = /^(\d{4})\/(\d{2})\/(\d{2})-(\d{2}):(\d{2}):(\d{2})$/.exec(word ?? '');
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
}

/**
 * The contacts of an ionadmin file, as ionadmin would add them. Relative times count from the
 * reference time: `epoch` until an `@` command sets it (absolute, or relative to the reference
 * before). Registration contacts (start -1) and hypothetical ones (end 0) give no window and are
 * skipped with a note, as are contacts of confidence under `minConfidence`; other commands are
 * skipped. A line ionadmin would refuse is an error, `line N: why`.
 */
export function fromIonContacts(text: string, epoch: number, minConfidence = 0.5): { contacts: Contact[]; skipped: string[]; errors: string[] } {
  const contacts: Contact[] = [];
  const skipped: string[] = [];
  const errors: string[] = [];
  let reference = epoch;
  text.split('\n').forEach((raw, i) => {
    const words = raw.trim().split(/\s+/);
    const at = `line ${i + 1}`;
    if (words[0] === '@') {
      const time = ionTimeOf(words[1], reference);
      if (Number.isNaN(time)) return void errors.push(`${at}: "@" takes a time: +seconds or yyyy/mm/dd-hh:mm:ss`);
      reference = time;
      return;
    }
    if (words[0] !== 'a' || words[1] !== 'contact') return;
    if (words[2] === '-1') return void skipped.push(`${at}: a registration contact (start -1): no window, no route`);
    if (words[3] === '0') return void skipped.push(`${at}: a hypothetical contact (end 0): no window, no route`);
    const [start, end, from, to, rate] = [ionTimeOf(words[2], reference), ionTimeOf(words[3], reference), ionNumber(words[4]), ionNumber(words[5]), ionNumber(words[6])];
    const confidence = words[7] === undefined ? 1 : Number(words[7]);
    if ([start, end, from, to, rate, confidence].some((n) => !Number.isFinite(n)) || words.length > 8 || from < 0 || to < 0) {
      return void errors.push(`${at}: expected "a contact <start> <end> <from node> <to node> <bytes/s> [confidence]" with times as +seconds or yyyy/mm/dd-hh:mm:ss`);
    }
    if (end <= start) return void errors.push(`${at}: the contact ends before it starts`);
    if (rate <= 0 || confidence <= 0 || confidence > 1) return void errors.push(`${at}: ION refuses a scheduled contact with a rate or confidence of 0 (or a confidence above 1)`);
    if (confidence < minConfidence) return void skipped.push(`${at}: confidence ${confidence} is under ${minConfidence}: not taken as a route`);
    contacts.push({ from, to, start, end, rateBitsPerSec: rate * 8 });
  });
  return { contacts, skipped, errors };
}

/** The ionadmin commands a file of ours may hold, and their forms. */
const OUR_COMMANDS: readonly (readonly [RegExp, string])[] = [
  [/^d (contact|range) \* \d+ \d+$/, 'd contact|range * <from> <to>'],
  [/^a contact \d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d \d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d [1-9]\d* [1-9]\d* [1-9]\d*$/, 'a contact <start> <end> <from> <to> <bytes/s>'],
  [/^a range \d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d \d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d [1-9]\d* [1-9]\d* \d+$/, 'a range <start> <end> <from> <to> <light seconds>'],
];

/**
 * What ionadmin says of a file we wrote: each line that is no comment and not one of our command
 * forms, or whose times ION cannot hold (after 2038-01-19T03:14:07Z, end not after start) or
 * whose rate is over 2^32-1 bytes/s.
 */
export function checkIonContacts(text: string): string[] {
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const form = OUR_COMMANDS.find(([re]) => re.test(line));
    if (!form) return void errors.push(`line ${i + 1}: not an ionadmin command of ours: ${line}`);
    if (line.startsWith('d ')) return;
    const words = line.split(' ');
    const [start, end] = [ionTimeOf(words[2], 0), ionTimeOf(words[3], 0)];
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start || end > ION_LAST_TIME) errors.push(`line ${i + 1}: times must be valid, end after start, at most 2038/01/19-03:14:07`);
    if (words[1] === 'contact' && Number(words[6]) > ION_MAX_RATE_BYTES) errors.push(`line ${i + 1}: a rate over 2^32-1 bytes/s`);
  });
  return errors;
}
