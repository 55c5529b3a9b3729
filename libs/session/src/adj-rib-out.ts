import { advertisementToWire, withdrawalToWire, type ExportedRoute } from '#libs/events';
import type { RouteAdvertisement, RouteUpdate, RouteWithdrawal } from '#libs/wire';

/**
 * What one session has sent its peer (pattern → the window start it was sent with), and the
 * RouteUpdates that bring the peer from there to a new state of the peer's Adj-RIB-Out. The first
 * call after ESTABLISHED carries the whole table; later ones the changes. A route whose window
 * start changed is withdrawn under the old one first (§6.6: a withdrawal names its valid_from).
 */
export class AdjRibOut {
  readonly #sent = new Map<string, number | undefined>();

  get size(): number {
    return this.#sent.size;
  }

  /**
   * The updates for these changes (pattern → the route to send now, or undefined: none), each of
   * at most `maxPatterns` patterns: withdrawals first, then routes alike in every attribute
   * grouped into one advertisement.
   */
  updatesFor(changes: ReadonlyMap<string, ExportedRoute | undefined>, maxPatterns: number): RouteUpdate[] {
    const withdrawn = new Map<number | undefined, string[]>();
    const alike = new Map<string, { route: ExportedRoute; patterns: string[] }>();
    for (const [pattern, route] of changes) {
      const had = this.#sent.has(pattern);
      const sentFrom = this.#sent.get(pattern);
      if (had && (route === undefined || route.attributes.validFrom !== sentFrom)) {
        withdrawn.set(sentFrom, [...(withdrawn.get(sentFrom) ?? []), pattern]);
        this.#sent.delete(pattern);
      }
      if (route === undefined) continue;
      const key = JSON.stringify(route.attributes);
      const group = alike.get(key);
      if (group) group.patterns.push(pattern);
      else alike.set(key, { route, patterns: [pattern] });
      this.#sent.set(pattern, route.attributes.validFrom);
    }
    const updates: RouteUpdate[] = [];
    let current: { withdrawals: RouteWithdrawal[]; announcements: RouteAdvertisement[]; patterns: number } = { withdrawals: [], announcements: [], patterns: 0 };
    const room = () => {
      if (current.patterns < maxPatterns) return maxPatterns - current.patterns;
      updates.push({ withdrawals: current.withdrawals, announcements: current.announcements });
      current = { withdrawals: [], announcements: [], patterns: 0 };
      return maxPatterns;
    };
    for (const [validFrom, patterns] of withdrawn) {
      for (let i = 0; i < patterns.length; ) {
        const part = patterns.slice(i, i + room());
        current.withdrawals.push(withdrawalToWire(part, validFrom));
        current.patterns += part.length;
        i += part.length;
      }
    }
    for (const { route, patterns } of alike.values()) {
      for (let i = 0; i < patterns.length; ) {
        const part = patterns.slice(i, i + room());
        current.announcements.push(advertisementToWire(part, route.attributes));
        current.patterns += part.length;
        i += part.length;
      }
    }
    if (current.patterns > 0) updates.push({ withdrawals: current.withdrawals, announcements: current.announcements });
    return updates;
  }
}
