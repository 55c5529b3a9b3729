export { bestPath, type DecidingStep, type Ranked } from './src/best-path.ts';
export { LocRib, type LocRibSnapshot, type StoreOp, type Unusable } from './src/loc-rib.ts';
export type { LocRibChange, Rejection, RibEvent, Withdrawal } from './src/rib-event.ts';
export { inWindow, originAd, routeKey, type RibRoute } from './src/rib-route.ts';
