// Original file: proto/dtn/peering/v1/dpp.proto


export interface HelloChallenge {
  'nonce'?: (Buffer | Uint8Array | string);
}

export interface HelloChallenge__Output {
  'nonce': (Buffer);
}
