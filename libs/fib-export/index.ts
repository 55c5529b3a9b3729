export { decodeFibEntry, encodeFibEntry, fibEntryOf, nextHopOf, type FibEntry } from './src/fib-entry.ts';
export { gatewayTable, type GatewaySpec } from './src/gateway-spec.ts';
export { nodeEid, nodeOf, nodePattern, type Contact } from './src/formats/contact.ts';
export { fromHardyTvr, toHardyTvr, type TvrRoute } from './src/formats/hardy-tvr.ts';
export { fibContacts, fromIonContacts, toIonContacts } from './src/formats/ion-contacts.ts';
export { fromHdtnPlan, toHdtnPlan } from './src/formats/hdtn-contact-plan.ts';
export { contactRoutes } from './src/contact-routes.ts';
