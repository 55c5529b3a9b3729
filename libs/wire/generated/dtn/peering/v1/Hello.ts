// Original file: proto/dtn/peering/v1/dpp.proto


export interface Hello {
  'local_ad_id'?: (string);
  'speaker_node_id'?: (string);
  'hold_time_seconds'?: (number);
}

export interface Hello__Output {
  'local_ad_id': (string);
  'speaker_node_id': (string);
  'hold_time_seconds': (number);
}
