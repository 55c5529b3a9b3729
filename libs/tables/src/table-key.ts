/**
 * A pattern's key in a table's KV bucket: the pattern in base64url, since pattern text holds
 * characters NATS subjects do not allow (`.`, `*`, `>`); prefixed, so other keys can live beside.
 */
export const keyOf = (pattern: string): string => `p.${Buffer.from(pattern).toString('base64url')}`;

export const patternOfKey = (key: string): string | undefined => (key.startsWith('p.') ? Buffer.from(key.slice(2), 'base64url').toString() : undefined);

/** A KV bucket's name for a table: `<prefix>-<target>`, the target a NATS token. */
export const tableBucket = (prefix: string, target: string): string => `${prefix}-${target}`;

/** A peer AD as a bucket-name token: DNS names hold only letters, digits, `-` and `.`. */
export const adToken = (ad: string): string => ad.toLowerCase().replaceAll('.', '_');
