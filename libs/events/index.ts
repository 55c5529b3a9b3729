export { decodePeerEvent, PeerEventV1, type PeerEvent } from './src/peer-event.ts';
export { neighborOf, passThroughImport } from './src/pass-through-import.ts';
export { CHANGES_PER_MESSAGE, decodeLocRibChanges, decodeRibInput, encodeLocRibChanges, encodeRibInput } from './src/rib-log.ts';
export { splitVerdict } from './src/split-verdict.ts';
export { decodeJson } from './src/decode-json.ts';
