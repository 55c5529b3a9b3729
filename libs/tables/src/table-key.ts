/**
 * A route's key in a table's KV bucket: its pattern in base64url, since pattern text holds
 * characters NATS subjects do not allow (`.`, `*`, `>`), then its window start when it has one:
 * a pattern has one entry per interval of its timeline, and intervals are named by their start
 * (libs/rib timeline.ts). Prefixed, so other keys can live beside.
 */
export const keyOf = (pattern: string, validFrom: number | undefined): string =>
  `p.${Buffer.from(pattern).toString('base64url')}${validFrom === undefined ? '' : `.${String(validFrom).replace('.', '_')}`}`;

/** The pattern and window start a key names, or undefined when it names no route. */
export function routeOfKey(key: string): { readonly pattern: string; readonly validFrom: number | undefined } | undefined {
  // Read in place, not split: a gateway reads a million keys in a full table.
  if (!key.startsWith('p.')) return undefined;
  const dot = key.indexOf('.', 2);
  const from = dot < 0 ? undefined : key.slice(dot + 1);
  const validFrom = from === undefined ? undefined : Number(from.replace('_', '.'));
  if (from === '' || from?.includes('.') || (validFrom !== undefined && !Number.isFinite(validFrom))) return undefined;
  return { pattern: Buffer.from(dot < 0 ? key.slice(2) : key.slice(2, dot), 'base64url').toString(), validFrom };
}

/** A KV bucket's name for a table: `<prefix>-<target>`, the target a NATS token. */
export const tableBucket = (prefix: string, target: string): string => `${prefix}-${target}`;

/** A peer AD as a bucket-name token: DNS names hold only letters, digits, `-` and `.`. */
export const adToken = (ad: string): string => ad.toLowerCase().replaceAll('.', '_');
