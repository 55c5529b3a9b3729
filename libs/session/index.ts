export { NotificationCode } from '#libs/wire';
export { DEFAULT_SESSION_CONFIG, type SessionConfig } from './src/session-config.ts';
export type { Phase, Role, SessionInput, SessionOutput, SessionState, Step } from './src/session-types.ts';
export { initialSession, nextDeadline, refill, step } from './src/session-fsm.ts';
export { checkRouteUpdate, type Refusal } from './src/route-update-check.ts';
export { AdjRibOut, type UpdateLimits } from './src/adj-rib-out.ts';
export { RouteCount, type LimitOutcome, type RouteLimit } from './src/route-limit.ts';
