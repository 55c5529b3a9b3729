export { decodeFibEntry, encodeFibEntry, fibEntryOf, nextHopOf, type FibEntry } from './src/fib-entry.ts';
export { gatewayTable, type GatewaySpec } from './src/gateway-spec.ts';
export { nodeEid, nodeOf, nodePattern, type Contact } from './src/formats/contact.ts';
export { checkHardyTvr, fromHardyTvr, hardyEidError, hardyPatternError, hardyRouteOf, toHardyTvr, type HardyRoute, type TvrRoute } from './src/formats/hardy-tvr.ts';
export { checkIonContacts, fibContacts, fromIonContacts, ION_LAST_TIME, toIonContacts } from './src/formats/ion-contacts.ts';
export { checkHdtnPlan, fromHdtnPlan, toHdtnPlan } from './src/formats/hdtn-contact-plan.ts';
export { checkIpnrc, toIpnrc } from './src/formats/ion-ipnrc.ts';
export { checkPlan, exportPlan, PLAN_FORMATS, type PlanFormat, type PlanOptions } from './src/formats/plan-format.ts';
export { contactRoutes } from './src/contact-routes.ts';
