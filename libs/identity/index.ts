export type { IdentityError, IdentityFailure } from './src/identity-error.ts';
export {
  generateAdKey,
  keyPairFromPkcs8Pem,
  pkcs8Pem,
  publicKeyFromSpkiBase64,
  signNonce,
  spkiBase64,
  verifyNonce,
  type AdKeyPair,
} from './src/ad-key.ts';
export { DEFAULT_SVC_PARAMS, ED25519, type DtnSvcParams } from './src/svcb-params.ts';
export { parseSvcbRdata, type SvcbRecord } from './src/svcb-rdata.ts';
export { dtnIdentity, type DtnIdentity } from './src/dtn-identity.ts';
export { svcbZoneLine } from './src/zone-line.ts';
export { lookupDtnIdentity, type LookedUpIdentity, type LookupOptions, type Resolver } from './src/svcb-lookup.ts';
export { adName } from './src/ad-name.ts';
export { publicKeyPath, readKeyFile, writeKeyFiles } from './src/key-file.ts';
