import type { ExportedRoute, RouteAttributes } from '#libs/rib';
import { advertisementToWire, withdrawalToWire, type RouteUpdate } from '#libs/wire';

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

/** What was sent for one key of the peer's Adj-RIB-Out: the identity the peer holds it by (§6.6), and when it lapses. */
interface Sent {
  readonly pattern: string;
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
}

/**
 * What one session has sent its peer (table key → the route's identity and end), and the
 * RouteUpdates that bring the peer from there to a new state of the peer's Adj-RIB-Out: one
 * entry per interval of a pattern's timeline, so a pattern may have several windows at the peer.
 * The first call after ESTABLISHED carries the whole table; later ones the changes. A route whose
 * window has ended is not withdrawn: the peer drops it at its valid_until by itself (§6.5), so a
 * deep-space load of passes ending costs no message (docs/spec-notes.md §6.5, §6.6).
 */
export class AdjRibOut {
  readonly #sent = new Map<string, Sent>();

  get size(): number {
    return this.#sent.size;
  }

  /** The table keys of what the peer holds from us. */
  keys(): IterableIterator<string> {
    return this.#sent.keys();
  }

  /**
   * The updates for these changes (table key → the route to send now, or undefined: none) at the
   * instant `now`, each within `limits`: withdrawals first, then routes alike in every attribute
   * grouped into one advertisement. A route that cannot fit an update even alone (transitive
   * attributes carried from afar can be large) is not sent: the peer's old route for it is
   * withdrawn, and it is returned in `tooLarge`.
   */
  updatesFor(changes: ReadonlyMap<string, ExportedRoute | undefined>, limits: UpdateLimits, now: number): { updates: RouteUpdate[]; tooLarge: string[] } {
    const budget = limits.maxBytes - ENVELOPE_BYTES;
    const withdrawn = new Map<number | undefined, string[]>();
    const alike = new Map<string, { attributes: RouteAttributes; patterns: string[] }>();
    const tooLarge: string[] = [];
    for (const [key, given] of changes) {
      const fits = given === undefined || attributeBytes(given.attributes) + patternBytes(given.pattern) <= budget;
      if (!fits) tooLarge.push(given.pattern);
      const ended = given?.attributes.validUntil !== undefined && given.attributes.validUntil <= now;
      const route = fits && !ended ? given : undefined;
      const sent = this.#sent.get(key);
      if (sent && (route === undefined || route.attributes.validFrom !== sent.validFrom)) {
        const lapsed = sent.validUntil !== undefined && sent.validUntil <= now;
        if (!lapsed) withdrawn.set(sent.validFrom, [...(withdrawn.get(sent.validFrom) ?? []), sent.pattern]);
        this.#sent.delete(key);
      }
      if (route === undefined) continue;
      const same = JSON.stringify(route.attributes);
      const group = alike.get(same);
      if (group) group.patterns.push(route.pattern);
      else alike.set(same, { attributes: route.attributes, patterns: [route.pattern] });
      this.#sent.set(key, { pattern: route.pattern, validFrom: route.attributes.validFrom, validUntil: route.attributes.validUntil });
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
