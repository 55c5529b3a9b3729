export { bestPath, bestRoute, type DecidingStep, type Ranked } from './src/best-path.ts';
export { LocRib, type LocRibSnapshot, type StoreOp, type TimelineInterval, type Unusable } from './src/loc-rib.ts';
export { byWindowStart, clipped, intervalAt, timelineOf, type Interval } from './src/timeline.ts';
export type { AcceptedAdvertisement, LocRibChange, Rejection, RibEvent, Withdrawal } from './src/rib-event.ts';
export { advertisementOf, attributesOf, inWindow, isScheduled, originAd, routeOf, type ExportedRoute, type RibAdvertisement, type RibRoute, type RouteAttributes } from './src/rib-route.ts';
export { NeighborSessions, type CurrentSession } from './src/neighbor-sessions.ts';
