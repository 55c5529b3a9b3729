import { nextHopOf } from '#libs/fib-export';
import { inWindow, LocRib, type RibRoute, type TimelineInterval } from '#libs/rib';
import type { LoggedEvent } from './replay.ts';

/** A neighbor is "<AD> <speaker id>" (§5.1.1); a peer that sent no speaker id leaves a trailing space, not shown. */
export const shownNeighbor = (neighbor: string): string => neighbor.trimEnd();

/** A route as the audit answers (the CLI's and the looking glass's) tell it. */
export const routeRow = (route: RibRoute) => ({
  pattern: route.pattern,
  peer: route.peerAd,
  neighbor: shownNeighbor(route.neighbor),
  adPath: route.adPath,
  metric: route.metric,
  gatewayEid: route.gatewayEid ?? null,
  // Where bundles go (§6.7), as show routes and the gateways' FIB say it.
  nextHop: nextHopOf(route),
  validFrom: route.validFrom ?? null,
  validUntil: route.validUntil ?? null,
  receivedSeq: route.receivedSeq,
});

const time = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/** An interval of a timeline: its bounds, the route that wins it (its own window apart), and whether it holds the clock. */
export const intervalRow = (i: TimelineInterval, now: number) => ({ from: time(i.from), until: time(i.until), now: inWindow({ validFrom: i.from, validUntil: i.until }, now), ...routeRow(i.route) });
export type IntervalRow = ReturnType<typeof intervalRow>;

/** Every interval of every pattern's timeline, by pattern and start. */
export const timelineRows = (rib: LocRib): IntervalRow[] => rib.patterns().flatMap((pattern) => rib.timeline(pattern).map((i) => intervalRow(i, rib.now)));

export interface RibDifference {
  readonly pattern: string;
  readonly from: string | null;
  readonly change: 'added' | 'removed' | 'changed';
  /** The interval at each point, without whether it held the clock: that differs between two points by the clock alone. */
  readonly before: Omit<IntervalRow, 'now'> | null;
  readonly after: Omit<IntervalRow, 'now'> | null;
}

/** What differs between the Loc-RIB at two points of the log, interval by interval (pure). */
export function ribDiff(before: LocRib, after: LocRib): RibDifference[] {
  const byKey = (rib: LocRib) => new Map(timelineRows(rib).map((r) => [`${r.pattern} ${r.from}`, r]));
  const [x, y] = [byKey(before), byKey(after)];
  return [...new Set([...x.keys(), ...y.keys()])].sort().flatMap((key) => {
    const [a, b] = [x.get(key), y.get(key)];
    if (a?.receivedSeq === b?.receivedSeq && a?.neighbor === b?.neighbor && a?.until === b?.until) return [];
    const bare = (r: IntervalRow | undefined) => {
      if (r === undefined) return null;
      const { now: _, ...rest } = r;
      return rest;
    };
    return [{ pattern: (a ?? b)!.pattern, from: (a ?? b)!.from, change: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed', before: bare(a), after: bare(b) }];
  });
}

export interface HistoryLine {
  readonly seq: number;
  readonly stored: string;
  readonly event: string;
  readonly neighbor: string | null;
  readonly what: string;
}

/** Every event of the log that touched `pattern`, and what each did to its best route, in log order. */
export async function patternHistory(events: AsyncIterable<LoggedEvent>, localAd: string, pattern: string): Promise<HistoryLine[]> {
  const rib = new LocRib(localAd);
  const lines: HistoryLine[] = [];
  for await (const { seq, stored, event } of events) {
    const at = new Date(stored).toISOString();
    const neighbor = 'neighbor' in event ? shownNeighbor(event.neighbor) : null;
    if (event.type === 'update') {
      for (const w of event.withdrawn) if (w.patterns.includes(pattern)) lines.push({ seq, stored: at, event: event.type, neighbor, what: `withdrawn${w.validFrom === undefined ? '' : ` (window from ${new Date(w.validFrom).toISOString()})`}` });
      for (const r of event.accepted) if (r.patterns.includes(pattern)) lines.push({ seq, stored: at, event: event.type, neighbor, what: `announced, AD_PATH ${r.adPath.join(' ') || '(local)'}, metric ${r.metric}${r.rules ? `, import rules ${r.rules.join(', ')}` : ''}` });
      for (const r of event.rejected) if (r.pattern === pattern) lines.push({ seq, stored: at, event: event.type, neighbor, what: `rejected by ${r.rule}: ${r.reason}` });
    }
    for (const change of rib.apply(event)) {
      if (change.pattern !== pattern) continue;
      const { validFrom, validUntil } = change.best ?? change.previous!;
      const span = validFrom === undefined && validUntil === undefined ? '' : `over ${time(validFrom) ?? '-∞'} → ${time(validUntil) ?? '∞'} `;
      lines.push({ seq, stored: at, event: event.type, neighbor, what: change.best ? `best route ${span}from ${shownNeighbor(change.best.neighbor)}` : `no route ${span}(was from ${shownNeighbor(change.previous!.neighbor)})` });
    }
  }
  return lines;
}
