// Original file: proto/dtn/peering/v1/dpp.proto

import type { EidPattern as _dtn_peering_v1_EidPattern, EidPattern__Output as _dtn_peering_v1_EidPattern__Output } from '../../../dtn/peering/v1/EidPattern.ts';
import type { RouteAttribute as _dtn_peering_v1_RouteAttribute, RouteAttribute__Output as _dtn_peering_v1_RouteAttribute__Output } from '../../../dtn/peering/v1/RouteAttribute.ts';

export interface RouteAdvertisement {
  'patterns'?: (_dtn_peering_v1_EidPattern)[];
  'ad_path'?: (string)[];
  'metric'?: (number);
  'attributes'?: (_dtn_peering_v1_RouteAttribute)[];
}

export interface RouteAdvertisement__Output {
  'patterns': (_dtn_peering_v1_EidPattern__Output)[];
  'ad_path': (string)[];
  'metric': (number);
  'attributes': (_dtn_peering_v1_RouteAttribute__Output)[];
}
