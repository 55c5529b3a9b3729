export { decodeLoggedEvent, decodePeerEvent, peerAdminSubjects, PeerEventV1, peerEventSubject, policyEventSubject, type LoggedEvent, type PeerAdminEvent, type PeerEvent, type PolicyEvent } from './src/peer-event.ts';
export { neighborOf, passThroughImport } from './src/pass-through-import.ts';
export { CHANGES_PER_MESSAGE, decodeLocRibChanges, decodeRibInput, encodeLocRibChanges, encodeRibInput, peerEventStream, ribStreams, ribSubjects } from './src/rib-log.ts';
export { splitVerdict } from './src/split-verdict.ts';
export { decodeJson } from './src/decode-json.ts';
export { decodeExportedRoute, encodeExportedRoute } from './src/adj-rib-out.ts';
export { decodeHeartbeat, encodeHeartbeat, type SpeakerHeartbeat } from './src/speaker-heartbeat.ts';
