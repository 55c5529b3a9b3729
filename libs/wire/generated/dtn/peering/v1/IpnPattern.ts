// Original file: proto/dtn/peering/v1/dpp.proto


export interface IpnPattern {
  'allocator_id'?: (number);
  'node_id'?: (number);
  'is_wildcard'?: (boolean);
}

export interface IpnPattern__Output {
  'allocator_id': (number);
  'node_id': (number);
  'is_wildcard': (boolean);
}
