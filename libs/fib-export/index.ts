export { decodeFibEntry, decodeFibValue, encodeFibEntry, fibEntryOf, nextHopOf, type FibEntry, type FibValue } from './src/fib-entry.ts';
export { gatewayTable, receives, type GatewaySpec } from './src/gateway-spec.ts';
export { nodeEid, nodeOf, type Contact } from './src/formats/contact.ts';
export { checkHardyTvr, fromHardyTvr, hardyRouteOf, toHardyTvr, type HardyRoute, type TvrRoute } from './src/formats/hardy-tvr.ts';
export { checkIonContacts, fromIonContacts, toIonContacts } from './src/formats/ion-contacts.ts';
export { checkHdtnPlan, fromHdtnPlan, toHdtnPlan } from './src/formats/hdtn-contact-plan.ts';
export { checkPlan, exportPlan, PLAN_FORMATS, type PlanFormat, type PlanOptions } from './src/formats/plan-format.ts';
export { contactRoutes } from './src/contact-routes.ts';
export { CONTACTS_PER_REQUEST, tvrRequestsOf, type TvrContactsVerb } from './src/tvr-requests.ts';
