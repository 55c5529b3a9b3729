// Original file: proto/dtn/peering/v1/dpp.proto

import type { RouteAdvertisement as _dtn_peering_v1_RouteAdvertisement, RouteAdvertisement__Output as _dtn_peering_v1_RouteAdvertisement__Output } from '../../../dtn/peering/v1/RouteAdvertisement.ts';
import type { RouteWithdrawal as _dtn_peering_v1_RouteWithdrawal, RouteWithdrawal__Output as _dtn_peering_v1_RouteWithdrawal__Output } from '../../../dtn/peering/v1/RouteWithdrawal.ts';

export interface RouteUpdate {
  'announcements'?: (_dtn_peering_v1_RouteAdvertisement)[];
  'withdrawals'?: (_dtn_peering_v1_RouteWithdrawal)[];
}

export interface RouteUpdate__Output {
  'announcements': (_dtn_peering_v1_RouteAdvertisement__Output)[];
  'withdrawals': (_dtn_peering_v1_RouteWithdrawal__Output)[];
}
