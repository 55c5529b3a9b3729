import { advertisementToWire, withdrawalToWire, type ExportedRoute } from '#libs/events';
import type { RouteAttributes } from '#libs/rib';
import type { RouteUpdate } from '#libs/wire';

/** How large one RouteUpdate may be: patterns in it (the peer's max_patterns_per_update) and bytes (its max_message_bytes). */
export interface UpdateLimits {
  readonly maxPatterns: number;
  readonly maxBytes: number;
}

/**
 * Upper bounds of wire sizes, from the text forms: a pattern's wire form is never longer than its
 * text plus a few tags, and attributes as JSON (binary values in base64) are longer than on the wire.
 */
const patternBytes = (pattern: string) => pattern.length + 16;
const attributeBytes = (a: RouteAttributes) => JSON.stringify(a).length + 64;
/** Room for the envelope (sequence number, framing). */
const ENVELOPE_BYTES = 256;

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
   * The updates for these changes (pattern → the route to send now, or undefined: none), each
   * within `limits`: withdrawals first, then routes alike in every attribute grouped into one
   * advertisement. A route that cannot fit an update even alone (transitive attributes carried
   * from afar can be large) is not sent: the peer's old route for it is withdrawn, and it is
   * returned in `tooLarge`.
   */
  updatesFor(changes: ReadonlyMap<string, ExportedRoute | undefined>, limits: UpdateLimits): { updates: RouteUpdate[]; tooLarge: string[] } {
    const budget = limits.maxBytes - ENVELOPE_BYTES;
    const withdrawn = new Map<number | undefined, string[]>();
    const alike = new Map<string, { attributes: RouteAttributes; patterns: string[] }>();
    const tooLarge: string[] = [];
    for (const [pattern, given] of changes) {
      const fits = given === undefined || attributeBytes(given.attributes) + patternBytes(pattern) <= budget;
      if (!fits) tooLarge.push(pattern);
      const route = fits ? given : undefined;
      const sentFrom = this.#sent.get(pattern);
      if (this.#sent.has(pattern) && (route === undefined || route.attributes.validFrom !== sentFrom)) {
        withdrawn.set(sentFrom, [...(withdrawn.get(sentFrom) ?? []), pattern]);
        this.#sent.delete(pattern);
      }
      if (route === undefined) continue;
      const key = JSON.stringify(route.attributes);
      const group = alike.get(key);
      if (group) group.patterns.push(pattern);
      else alike.set(key, { attributes: route.attributes, patterns: [pattern] });
      this.#sent.set(pattern, route.attributes.validFrom);
    }
    const out = new UpdateBuilder(limits.maxPatterns, budget);
    for (const [validFrom, patterns] of withdrawn) out.add(patterns, 64, (part) => ({ withdrawal: withdrawalToWire(part, validFrom) }));
    for (const { attributes, patterns } of alike.values()) out.add(patterns, attributeBytes(attributes), (part) => ({ announcement: advertisementToWire(part, attributes) }));
    return { updates: out.done(), tooLarge };
  }
}

/** RouteUpdates filled in order, a new one begun when the next pattern would not fit. */
class UpdateBuilder {
  readonly #updates: RouteUpdate[] = [];
  #current = { withdrawals: [] as NonNullable<RouteUpdate['withdrawals']>, announcements: [] as NonNullable<RouteUpdate['announcements']>, patterns: 0, bytes: 0 };
  readonly #maxPatterns: number;
  readonly #budget: number;

  constructor(maxPatterns: number, budget: number) {
    this.#maxPatterns = maxPatterns;
    this.#budget = budget;
  }

  /** Patterns that share one withdrawal or advertisement (`base` bytes besides its patterns), cut where updates end. */
  add(patterns: readonly string[], base: number, entry: (part: string[]) => { withdrawal: NonNullable<RouteUpdate['withdrawals']>[number] } | { announcement: NonNullable<RouteUpdate['announcements']>[number] }): void {
    let part: string[] = [];
    const close = () => {
      if (part.length === 0) return;
      const made = entry(part);
      if ('withdrawal' in made) this.#current.withdrawals.push(made.withdrawal);
      else this.#current.announcements.push(made.announcement);
      part = [];
    };
    for (const pattern of patterns) {
      const cost = patternBytes(pattern) + (part.length === 0 ? base : 0);
      if (this.#current.patterns + 1 > this.#maxPatterns || this.#current.bytes + cost > this.#budget) {
        close();
        this.#flush();
      }
      this.#current.bytes += patternBytes(pattern) + (part.length === 0 ? base : 0);
      this.#current.patterns++;
      part.push(pattern);
    }
    close();
  }

  done(): RouteUpdate[] {
    this.#flush();
    return this.#updates;
  }

  #flush(): void {
    if (this.#current.patterns === 0) return;
    this.#updates.push({ withdrawals: this.#current.withdrawals, announcements: this.#current.announcements });
    this.#current = { withdrawals: [], announcements: [], patterns: 0, bytes: 0 };
  }
}
