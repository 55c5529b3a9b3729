// Original file: proto/dtn/peering/v1/dpp.proto

import type { EidPattern as _dtn_peering_v1_EidPattern, EidPattern__Output as _dtn_peering_v1_EidPattern__Output } from '../../../dtn/peering/v1/EidPattern.ts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.ts';

export interface RouteWithdrawal {
  'patterns'?: (_dtn_peering_v1_EidPattern)[];
  'valid_from'?: (_google_protobuf_Timestamp | null);
}

export interface RouteWithdrawal__Output {
  'patterns': (_dtn_peering_v1_EidPattern__Output)[];
  'valid_from': (_google_protobuf_Timestamp__Output | null);
}
