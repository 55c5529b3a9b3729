/**
 * A route's key in a table: its pattern's canonical text, then, when it has one, a space and its
 * window start (ms): a pattern has one entry per interval of its timeline, and intervals are named
 * by their start (libs/rib timeline.ts). Pattern text is URI characters (§4.1), never a space, a
 * tab or a newline, and begins with its scheme, so the key needs no encoding: an unscheduled
 * route's key is its pattern string itself, made by neither the writer nor a reader.
 */
export const keyOf = (pattern: string, validFrom: number | undefined): string => (validFrom === undefined ? pattern : `${pattern} ${validFrom}`);

/** Keys of table layouts 4 and before (made for KV subjects), still read: `p.<pattern in base64url>[.<window start, '.' as '_'>]`. */
const LEGACY = 'p.';

/** The pattern and window start a key names (of this layout or an older one), or undefined when it names no route. */
export function routeOfKey(key: string): { readonly pattern: string; readonly validFrom: number | undefined } | undefined {
  // Read in place, not split: a gateway reads a million keys in a full table.
  const legacy = key.startsWith(LEGACY);
  const separator = legacy ? key.indexOf('.', LEGACY.length) : key.indexOf(' ');
  const from = separator < 0 ? undefined : key.slice(separator + 1);
  const validFrom = from === undefined ? undefined : Number(legacy ? from.replace('_', '.') : from);
  if (from === '' || (legacy && from?.includes('.')) || (validFrom !== undefined && !Number.isFinite(validFrom))) return undefined;
  const text = separator < 0 ? key : key.slice(0, separator);
  if (legacy) return { pattern: Buffer.from(text.slice(LEGACY.length), 'base64url').toString(), validFrom };
  return text === '' ? undefined : { pattern: text, validFrom };
}

/**
 * The key of this layout for the route a key names: a reader holding routes by key compares keys
 * of a table written before layout 5 (until the exporter rebuilds it) with its own by this.
 */
export function canonicalKey(key: string): string | undefined {
  const route = routeOfKey(key);
  // Made again also for a key of this layout: a window start written another way (`0x10`) is the same route.
  return route && keyOf(route.pattern, route.validFrom);
}

/** A snapshot's keys as keys of this layout: what a reader holding routes by key compares its own with after a resync. */
export const canonicalKeys = (keys: Iterable<string>): ReadonlySet<string | undefined> => new Set(Array.from(keys, canonicalKey));

/** A table's name: `<prefix>-<target>`, the target a NATS token. */
export const tableBucket = (prefix: string, target: string): string => `${prefix}-${target}`;

/** A peer AD as a table-name token: DNS names hold only letters, digits, `-` and `.`. */
export const adToken = (ad: string): string => ad.toLowerCase().replaceAll('.', '_');
