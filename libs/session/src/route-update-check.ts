import { Result } from 'effect';
import { patternFromWire } from '#libs/eid';
import { adName } from '#libs/identity';
import type { EidPattern__Output, RouteUpdate__Output } from '#libs/wire';
import { NotificationCode } from '#libs/wire';
import type { SessionConfig } from './session-config.ts';

export interface Refusal {
  readonly code: NotificationCode;
  readonly reason: string;
}

/**
 * Whether a received RouteUpdate is well-formed as a whole (docs/spec-notes.md §6.1, §5.3): only
 * such updates are logged. Answers the first problem found, or undefined.
 */
export function checkRouteUpdate(update: RouteUpdate__Output, peerAd: string, config: SessionConfig): Refusal | undefined {
  const patterns = update.announcements.reduce((n, a) => n + a.patterns.length, 0) + update.withdrawals.reduce((n, w) => n + w.patterns.length, 0);
  if (patterns > config.maxPatternsPerUpdate) {
    return { code: NotificationCode.LIMIT_PATTERNS_PER_UPDATE, reason: `${patterns} patterns in one RouteUpdate; the limit is ${config.maxPatternsPerUpdate}` };
  }
  for (const [i, announcement] of update.announcements.entries()) {
    const where = `announcement ${i + 1}`;
    if (announcement.patterns.length === 0) return malformedRoute(`${where} has no patterns`);
    if (announcement.ad_path.length === 0) return malformedRoute(`${where} has an empty AD_PATH (§5.3)`);
    const path = announcement.ad_path.map(adName);
    const bad = path.findIndex(Result.isFailure);
    if (bad >= 0) return malformedRoute(`${where}: AD_PATH entry "${announcement.ad_path[bad]}" is not a DNS name`);
    const first = path[0] as Result.Success<string, string>;
    if (first.success !== peerAd) return malformedRoute(`${where}: AD_PATH starts with ${first.success}, not the peer's AD ${peerAd} (§5.3)`);
    const invalid = firstInvalid(announcement.patterns, where);
    if (invalid) return invalid;
  }
  for (const [i, withdrawal] of update.withdrawals.entries()) {
    if (withdrawal.patterns.length === 0) return malformedRoute(`withdrawal ${i + 1} has no patterns`);
    const bad = firstInvalid(withdrawal.patterns, `withdrawal ${i + 1}`);
    if (bad) return bad;
  }
  return undefined;
}

const malformedRoute = (reason: string): Refusal => ({ code: NotificationCode.MALFORMED_ROUTE, reason });

function firstInvalid(patterns: readonly EidPattern__Output[], where: string): Refusal | undefined {
  for (const [j, pattern] of patterns.entries()) {
    const parsed = patternFromWire(pattern);
    if (!parsed.ok) return { code: NotificationCode.INVALID_PATTERN, reason: `${where}, pattern ${j + 1}: ${parsed.error.message}` };
  }
  return undefined;
}
