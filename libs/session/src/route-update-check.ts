import { Result } from 'effect';
import { adName } from '#libs/identity';
import type { RouteUpdate__Output, UpdateRoutes, WirePatterns } from '#libs/wire';
import { NotificationCode, routesFromWire } from '#libs/wire';
import type { SessionConfig } from './session-config.ts';

export interface Refusal {
  readonly code: NotificationCode;
  readonly reason: string;
}

/**
 * A received RouteUpdate as routes when it is well-formed as a whole (docs/spec-notes.md §6.1,
 * §5.3): only such updates are logged. Else the first problem found. The pattern count is checked
 * before any pattern is parsed: it bounds the work one update can ask for (§9.4).
 */
export function checkRouteUpdate(update: RouteUpdate__Output, peerAd: string, config: SessionConfig): { readonly refusal: Refusal } | { readonly routes: UpdateRoutes } {
  const patterns = update.announcements.reduce((n, a) => n + a.patterns.length, 0) + update.withdrawals.reduce((n, w) => n + w.patterns.length, 0);
  if (patterns > config.maxPatternsPerUpdate) {
    return { refusal: { code: NotificationCode.LIMIT_PATTERNS_PER_UPDATE, reason: `${patterns} patterns in one RouteUpdate; the limit is ${config.maxPatternsPerUpdate}` } };
  }
  const routes = routesFromWire(update);
  for (const [i, announcement] of routes.announcements.entries()) {
    const where = `announcement ${i + 1}`;
    if (update.announcements[i]!.patterns.length === 0) return malformedRoute(`${where} has no patterns`);
    if (announcement.adPath.length === 0) return malformedRoute(`${where} has an empty AD_PATH (§5.3)`);
    const path = announcement.adPath.map(adName);
    const bad = path.findIndex(Result.isFailure);
    if (bad >= 0) return malformedRoute(`${where}: AD_PATH entry "${announcement.adPath[bad]}" is not a DNS name`);
    const first = path[0] as Result.Success<string, string>;
    if (first.success !== peerAd) return malformedRoute(`${where}: AD_PATH starts with ${first.success}, not the peer's AD ${peerAd} (§5.3)`);
    const invalid = firstInvalid(announcement, where);
    if (invalid) return invalid;
  }
  for (const [i, withdrawal] of routes.withdrawals.entries()) {
    if (update.withdrawals[i]!.patterns.length === 0) return malformedRoute(`withdrawal ${i + 1} has no patterns`);
    const bad = firstInvalid(withdrawal, `withdrawal ${i + 1}`);
    if (bad) return bad;
  }
  return { routes };
}

const malformedRoute = (reason: string) => ({ refusal: { code: NotificationCode.MALFORMED_ROUTE, reason } });

function firstInvalid({ invalid }: WirePatterns, where: string): { readonly refusal: Refusal } | undefined {
  const first = invalid[0];
  return first && { refusal: { code: NotificationCode.INVALID_PATTERN, reason: `${where}, pattern ${first.at + 1}: ${first.why}` } };
}
