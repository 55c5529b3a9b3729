// Original file: proto/dtn/peering/v1/dpp.proto


export interface HelloResponse {
  'signature'?: (Buffer | Uint8Array | string);
}

export interface HelloResponse__Output {
  'signature': (Buffer);
}
