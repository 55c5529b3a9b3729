import type { FibEntry } from '../fib-entry.ts';
import { nodeOf, type Contact } from './contact.ts';

/** ION's absolute time form, UTC: `yyyy/mm/dd-hh:mm:ss`. */
const ionTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', '-');

const fromIonTime = (text: string, epoch: number): number =>
  text.startsWith('+') ? epoch + Number(text.slice(1)) * 1000 : Date.parse(`${text.replace(/\//g, '-').replace(/-(\d\d:)/, 'T$1')}Z`);

/**
 * Contacts from the FIB: the local node to each next hop that is an ipn node of the default
 * allocator, over the routes' windows (open ends at `from` and `horizon`), at their bandwidth.
 * ION keeps only the first of overlapping contacts between two nodes and refuses a rate of 0, so
 * windows to one node that overlap or touch become one contact at the highest of their rates, and
 * a route without bandwidth gets `defaultRateBps` (reported in `unrated`). ION routes by contact
 * graph: the patterns cannot be said in a contact, so each contact comes with the patterns it
 * carries (for comments); entries whose next hop is no such node are `unmapped`.
 */
export function fibContacts(
  entries: readonly FibEntry[],
  localNode: number,
  window: { readonly from: number; readonly horizon: number; readonly defaultRateBps: number },
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
    if (e.bandwidthBps === undefined) unrated.push(e);
    const contact: Contact = { from: localNode, to, start: e.validFrom ?? window.from, end: e.validUntil ?? window.horizon, rateBitsPerSec: Number(e.bandwidthBps ?? window.defaultRateBps) };
    byNode.set(to, [...(byNode.get(to) ?? []), { contact, carries: `${e.pattern} via ${e.nextHop}` }]);
  }
  const contacts: Contact[] = [];
  const carried = new Map<Contact, string[]>();
  for (const windows of byNode.values()) {
    windows.sort((a, b) => a.contact.start - b.contact.start);
    let current: { contact: Contact; carries: string[] } | undefined;
    for (const { contact, carries } of windows) {
      if (current && contact.start <= current.contact.end) {
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

/** ionadmin commands: `a contact` (rate in bytes/s, as ION has it) and `a range` (one-way light time 1 s) per contact. */
export function toIonContacts(contacts: readonly Contact[], comments: ReadonlyMap<Contact, readonly string[]> = new Map(), unmapped: readonly string[] = []): string {
  const lines = contacts.flatMap((c) => [
    ...(comments.get(c) ?? []).map((what) => `# ${what}`),
    `a contact ${ionTime(c.start)} ${ionTime(c.end)} ${c.from} ${c.to} ${Math.floor(c.rateBitsPerSec / 8)}`,
    `a range ${ionTime(c.start)} ${ionTime(c.end)} ${c.from} ${c.to} 1`,
  ]);
  return [...lines, ...unmapped.map((what) => `# not expressible in ION (next hop is no ipn node of allocator 0): ${what}`)].map((l) => `${l}\n`).join('');
}

/** The `a contact` lines of an ionadmin file; relative times (`+S`) count from `epoch`. Other commands are skipped. */
export function fromIonContacts(text: string, epoch: number): { contacts: Contact[]; errors: string[] } {
  const contacts: Contact[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const words = raw.trim().split(/\s+/);
    if (words[0] !== 'a' || words[1] !== 'contact') return;
    const [start, end, from, to, rate] = [fromIonTime(words[2] ?? '', epoch), fromIonTime(words[3] ?? '', epoch), Number(words[4]), Number(words[5]), Number(words[6])];
    if ([start, end, from, to, rate].some((n) => !Number.isFinite(n)) || !Number.isInteger(from) || !Number.isInteger(to) || end <= start) {
      return void errors.push(`line ${i + 1}: expected "a contact <start> <end> <from node> <to node> <bytes/s>" with times as +seconds or yyyy/mm/dd-hh:mm:ss, end after start`);
    }
    contacts.push({ from, to, start, end, rateBitsPerSec: rate * 8 });
  });
  return { contacts, errors };
}
