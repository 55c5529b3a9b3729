import type { UpdateRoutes } from '#libs/wire';

/** §9.4 route table exhaustion: the most routes a peer may have, and what happens above (like BGP max-prefix). */
export interface RouteLimit {
  readonly max: number;
  /** warn: log and keep them; drop: keep none above the limit; teardown: drop them and end the session (LIMIT_ROUTES). */
  readonly action: 'warn' | 'drop' | 'teardown';
}

/** What the limit made of one RouteUpdate. */
export interface LimitOutcome {
  /** The routes above the limit not to be taken (drop and teardown), by canonical pattern and window start. */
  readonly dropped: readonly { readonly pattern: string; readonly validFrom: number | undefined }[];
  /** Set when this update took the peer over the limit: warn once (until it is back under), or tear down. */
  readonly crossed: 'warn' | 'teardown' | undefined;
}

/**
 * The routes a session's peer has now (announced and not withdrawn, one per pattern and window
 * start, as the RIB holds them), counted against its limit as updates arrive, before they are
 * logged: routes received, before import policy (BIRD's receive limit). It counts the routes the
 * FSM's check made of the update (routesFromWire): no pattern is parsed again.
 */
export class RouteCount {
  /** Read at each update, so a limit changed by a config reload applies to the session as it runs. */
  readonly #limit: () => RouteLimit;
  readonly #held = new Set<string>();
  #warned = false;

  constructor(limit: RouteLimit | (() => RouteLimit)) {
    this.#limit = typeof limit === 'function' ? limit : () => limit;
  }

  get size(): number {
    return this.#held.size;
  }

  admit(update: UpdateRoutes): LimitOutcome {
    const limit = this.#limit();
    for (const w of update.withdrawals) for (const pattern of w.patterns) this.#held.delete(`${pattern} ${w.validFrom}`);
    if (this.#held.size < limit.max) this.#warned = false;
    const dropped: { pattern: string; validFrom: number | undefined }[] = [];
    let crossed: LimitOutcome['crossed'];
    for (const { patterns, validFrom } of update.announcements) {
      for (const pattern of patterns) {
        const key = `${pattern} ${validFrom}`;
        if (this.#held.has(key)) continue;
        if (this.#held.size < limit.max || limit.action === 'warn') {
          this.#held.add(key);
          if (this.#held.size > limit.max && !this.#warned) crossed = 'warn';
          continue;
        }
        dropped.push({ pattern, validFrom });
        if (limit.action === 'teardown') crossed = 'teardown';
      }
    }
    if (crossed === 'warn') this.#warned = true;
    return { dropped, crossed };
  }
}
