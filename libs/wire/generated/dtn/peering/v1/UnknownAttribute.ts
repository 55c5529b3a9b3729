// Original file: proto/dtn/peering/v1/dpp.proto


export interface UnknownAttribute {
  'type_id'?: (number);
  'value'?: (Buffer | Uint8Array | string);
  'transitive'?: (boolean);
}

export interface UnknownAttribute__Output {
  'type_id': (number);
  'value': (Buffer);
  'transitive': (boolean);
}
