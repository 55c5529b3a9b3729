// Original file: proto/dtn/peering/v1/dpp.proto


export interface DtnPattern {
  'authority_string'?: (string);
  'is_wildcard'?: (boolean);
}

export interface DtnPattern__Output {
  'authority_string': (string);
  'is_wildcard': (boolean);
}
