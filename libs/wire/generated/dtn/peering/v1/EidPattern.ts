// Original file: proto/dtn/peering/v1/dpp.proto

import type { IpnPattern as _dtn_peering_v1_IpnPattern, IpnPattern__Output as _dtn_peering_v1_IpnPattern__Output } from '../../../dtn/peering/v1/IpnPattern.ts';
import type { DtnPattern as _dtn_peering_v1_DtnPattern, DtnPattern__Output as _dtn_peering_v1_DtnPattern__Output } from '../../../dtn/peering/v1/DtnPattern.ts';

export interface EidPattern {
  'ipn'?: (_dtn_peering_v1_IpnPattern | null);
  'dtn'?: (_dtn_peering_v1_DtnPattern | null);
  'scheme'?: "ipn"|"dtn";
}

export interface EidPattern__Output {
  'ipn'?: (_dtn_peering_v1_IpnPattern__Output | null);
  'dtn'?: (_dtn_peering_v1_DtnPattern__Output | null);
  'scheme'?: "ipn"|"dtn";
}
