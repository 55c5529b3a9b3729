import type { RibEvent } from '#libs/rib';
import { encodeRibInput } from './rib-log.ts';

type UpdateVerdict = Extract<RibEvent, { type: 'update' }>;

/**
 * A verdict whose log form is larger than `maxBytes` (a NATS message's max_payload), split into
 * verdicts that each fit, in order: withdrawals first, then the advertisements, then the rejections,
 * an advertisement's patterns spread over consecutive parts. Applied one after the other they do
 * what the whole does (docs/spec-notes.md, the RIB input). Returns the log forms.
 */
export function splitVerdict(event: RibEvent, maxBytes: number): string[] {
  const whole = encodeRibInput(event);
  if (event.type !== 'update' || Buffer.byteLength(whole) <= maxBytes) return [whole];
  const items: Item[] = [
    ...event.withdrawn.flatMap((w) => w.patterns.map((pattern) => ({ kind: 'withdrawn' as const, of: w, pattern }))),
    ...event.accepted.flatMap((a) => a.patterns.map((pattern) => ({ kind: 'accepted' as const, of: a, pattern }))),
    ...event.rejected.map((r) => ({ kind: 'rejected' as const, of: r, pattern: r.pattern })),
  ];
  if (items.length < 2) throw new Error(`one route's verdict takes ${Buffer.byteLength(whole)} bytes, over the ${maxBytes} a log message can hold`);
  const half = Math.ceil(items.length / 2);
  return [items.slice(0, half), items.slice(half)].flatMap((part) => splitVerdict(verdictOf(event, part), maxBytes));
}

type Item =
  | { readonly kind: 'withdrawn'; readonly of: UpdateVerdict['withdrawn'][number]; readonly pattern: string }
  | { readonly kind: 'accepted'; readonly of: UpdateVerdict['accepted'][number]; readonly pattern: string }
  | { readonly kind: 'rejected'; readonly of: UpdateVerdict['rejected'][number]; readonly pattern: string };

/** The verdict holding just these items, an advertisement's patterns under one entry as before. */
function verdictOf(event: UpdateVerdict, items: readonly Item[]): UpdateVerdict {
  const withdrawn = new Map<UpdateVerdict['withdrawn'][number], string[]>();
  const accepted = new Map<UpdateVerdict['accepted'][number], string[]>();
  const rejected: UpdateVerdict['rejected'][number][] = [];
  const add = <K>(groups: Map<K, string[]>, of: K, pattern: string) => {
    const patterns = groups.get(of);
    if (patterns) patterns.push(pattern);
    else groups.set(of, [pattern]);
  };
  for (const item of items) {
    if (item.kind === 'withdrawn') add(withdrawn, item.of, item.pattern);
    else if (item.kind === 'accepted') add(accepted, item.of, item.pattern);
    else rejected.push(item.of);
  }
  return {
    ...event,
    withdrawn: [...withdrawn].map(([of, patterns]) => ({ ...of, patterns })),
    accepted: [...accepted].map(([of, patterns]) => ({ ...of, patterns })),
    rejected,
  };
}
