// Original file: proto/dtn/peering/v1/dpp.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.ts';
import type { UnknownAttribute as _dtn_peering_v1_UnknownAttribute, UnknownAttribute__Output as _dtn_peering_v1_UnknownAttribute__Output } from '../../../dtn/peering/v1/UnknownAttribute.ts';
import type { Long } from '@grpc/proto-loader';

export interface RouteAttribute {
  'gateway_eid'?: (string);
  'valid_from'?: (_google_protobuf_Timestamp | null);
  'valid_until'?: (_google_protobuf_Timestamp | null);
  'bandwidth_bps'?: (number | string | Long);
  'max_bundle_size'?: (number);
  'unknown'?: (_dtn_peering_v1_UnknownAttribute | null);
  'attribute'?: "gateway_eid"|"valid_from"|"valid_until"|"bandwidth_bps"|"max_bundle_size"|"unknown";
}

export interface RouteAttribute__Output {
  'gateway_eid'?: (string);
  'valid_from'?: (_google_protobuf_Timestamp__Output | null);
  'valid_until'?: (_google_protobuf_Timestamp__Output | null);
  'bandwidth_bps'?: (string);
  'max_bundle_size'?: (number);
  'unknown'?: (_dtn_peering_v1_UnknownAttribute__Output | null);
  'attribute'?: "gateway_eid"|"valid_from"|"valid_until"|"bandwidth_bps"|"max_bundle_size"|"unknown";
}
