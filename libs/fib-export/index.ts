export { fibEntryOf, nextHopOf, type FibEntry } from './src/fib-entry.ts';
export { fingerprintOf, receives, type GatewaySpec } from './src/gateway-spec.ts';
export { decodeFibEntry, deltaFor, encodeFibEntry, keyOf, patternOfKey, type FibDelta } from './src/fib-delta.ts';
