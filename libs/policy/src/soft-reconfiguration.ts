import { NeighborSessions, type AcceptedAdvertisement, type Rejection, type RibEvent, type Withdrawal } from '#libs/rib';
import { applyImportPolicy } from './evaluate-import.ts';
import type { ImportPolicy } from './policy.ts';

type UpdateVerdict = Extract<RibEvent, { type: 'update' }>;

/** One neighbor's routes as it sent them: (pattern, window start) → the advertisement, before import policy. */
interface NeighborRoutes {
  readonly peerAd: string;
  readonly routes: Map<string, { readonly pattern: string; readonly advertisement: AcceptedAdvertisement }>;
}

const routeKey = (pattern: string, validFrom: number | undefined) => `${pattern} ${validFrom}`;

/**
 * The Adj-RIB-In before policy: what each neighbor that is up has sent and not withdrawn, folded
 * from the verdicts the log gives without policy (`passThroughImport`). It is what a new import
 * policy is applied to (BGP's soft reconfiguration inbound), so a policy change needs no session
 * reset: the log is the stored Adj-RIB-In. A neighbor's routes go when its session does (stale
 * routes kept after a session loss are not re-evaluated: they leave at their deadline).
 */
export class AdjRibIn {
  readonly #neighbors = new Map<string, NeighborRoutes>();
  /** As the Loc-RIB decides it: an older session's late word forgets and adds nothing. */
  readonly #sessions = new NeighborSessions();

  /** Folds one event as `passThroughImport` gives it (routes it refused, such as those over a route limit, are not held). */
  apply(event: RibEvent): void {
    const before = event.type === 'neighbor-up' ? this.#sessions.current(event.neighbor) : undefined;
    if (!this.#sessions.admit(event)) return;
    switch (event.type) {
      // A new session's routes arrive in its updates: what an earlier one sent is not its (the same session's up again forgets nothing).
      case 'neighbor-up':
        if (event.session === undefined || before?.session !== event.session) this.#neighbors.delete(event.neighbor);
        return;
      case 'neighbor-down':
        this.#neighbors.delete(event.neighbor);
        return;
      case 'update': {
        let held = this.#neighbors.get(event.neighbor);
        if (!held) this.#neighbors.set(event.neighbor, (held = { peerAd: event.peerAd, routes: new Map() }));
        for (const w of event.withdrawn) for (const pattern of w.patterns) held.routes.delete(routeKey(pattern, w.validFrom));
        for (const advertisement of event.accepted) for (const pattern of advertisement.patterns) held.routes.set(routeKey(pattern, advertisement.validFrom), { pattern, advertisement });
        return;
      }
      case 'clock':
        return;
      default:
        return event satisfies never;
    }
  }

  /** How many routes are held, for the log line of a reconfiguration. */
  get size(): number {
    let n = 0;
    for (const held of this.#neighbors.values()) n += held.routes.size;
    return n;
  }

  /**
   * The verdicts that take the RIB from what `before` made of these routes to what `after` makes:
   * per neighbor, only the routes whose outcome changed: accepted now (or with other attributes),
   * or refused now (a withdrawal and the rejection with its rule and reason). `seq` is the policy
   * event's. Neighbors with no change get no verdict.
   */
  reconfigure(before: ImportPolicy, after: ImportPolicy, seq: number): UpdateVerdict[] {
    const verdicts: UpdateVerdict[] = [];
    for (const [neighbor, { peerAd, routes }] of this.#neighbors) {
      const byAdvertisement = new Map<AcceptedAdvertisement, string[]>();
      for (const { pattern, advertisement } of routes.values()) byAdvertisement.set(advertisement, [...(byAdvertisement.get(advertisement) ?? []), pattern]);
      const accepted: AcceptedAdvertisement[] = [];
      const rejected: Rejection[] = [];
      const withdrawn: Withdrawal[] = [];
      for (const [advertisement, patterns] of byAdvertisement) {
        const whole: UpdateVerdict = { type: 'update', seq, neighbor, peerAd, withdrawn: [], accepted: [{ ...advertisement, patterns }], rejected: [] };
        const [was, now] = [outcomes(applyImportPolicy(before, whole)), outcomes(applyImportPolicy(after, whole))];
        const changed = patterns.filter((p) => was.get(p)!.text !== now.get(p)!.text);
        const alike = new Map<string, { of: AcceptedAdvertisement; patterns: string[] }>();
        for (const pattern of changed) {
          const outcome = now.get(pattern)!;
          if (outcome.rejection) {
            rejected.push(outcome.rejection);
            if (!was.get(pattern)!.rejection) withdrawn.push({ patterns: [pattern], validFrom: advertisement.validFrom });
            continue;
          }
          const group = alike.get(outcome.text);
          if (group) group.patterns.push(pattern);
          else alike.set(outcome.text, { of: outcome.accepted!, patterns: [pattern] });
        }
        for (const { of, patterns: grouped } of alike.values()) accepted.push({ ...of, patterns: grouped });
      }
      if (accepted.length + rejected.length > 0) verdicts.push({ type: 'update', seq, neighbor, peerAd, withdrawn, accepted, rejected });
    }
    return verdicts;
  }
}

/** Each pattern's outcome in a verdict, with a text that is equal exactly when two outcomes are. */
function outcomes(verdict: UpdateVerdict): Map<string, { text: string; accepted?: AcceptedAdvertisement; rejection?: Rejection }> {
  const out = new Map<string, { text: string; accepted?: AcceptedAdvertisement; rejection?: Rejection }>();
  for (const a of verdict.accepted) {
    const text = JSON.stringify({ ...a, patterns: undefined });
    for (const pattern of a.patterns) out.set(pattern, { text, accepted: a });
  }
  for (const r of verdict.rejected) out.set(r.pattern, { text: `rejected ${r.rule} ${r.reason}`, rejection: r });
  return out;
}
