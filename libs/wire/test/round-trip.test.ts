import type * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { loadDppPackage, peerMessageCodec, type PeerMessage } from '#libs/wire';

const pkg = loadDppPackage();
const codec = peerMessageCodec(pkg);

/** Every message of §7 with its fields and numbers, transcribed from the draft. */
const SECTION_7: Record<string, Record<string, number>> = {
  PeerMessage: { sequence_number: 1, hello: 10, challenge: 11, response: 12, keep_alive: 20, update: 21, notification: 30 },
  Hello: { local_ad_id: 1, speaker_node_id: 2, hold_time_seconds: 3 },
  HelloChallenge: { nonce: 1 },
  HelloResponse: { signature: 1 },
  RouteUpdate: { announcements: 1, withdrawals: 2 },
  RouteAdvertisement: { patterns: 1, ad_path: 2, metric: 3, attributes: 10 },
  RouteWithdrawal: { patterns: 1, valid_from: 2 },
  RouteAttribute: { gateway_eid: 1, valid_from: 2, valid_until: 3, bandwidth_bps: 4, max_bundle_size: 5, unknown: 255 },
  UnknownAttribute: { type_id: 1, value: 2, transitive: 3 },
  EidPattern: { ipn: 1, dtn: 2 },
  IpnPattern: { allocator_id: 1, node_id: 2, is_wildcard: 3 },
  DtnPattern: { authority_string: 1, is_wildcard: 2 },
  KeepAlive: {},
  Notification: { level: 1, message: 2, code: 3 },
};

describe('dpp.proto against §7', () => {
  it.each(Object.entries(SECTION_7))('%s has exactly the fields and numbers of the draft', (name, fields) => {
    const definition = pkg[`dtn.peering.v1.${name}`] as protoLoader.MessageTypeDefinition<object, object>;
    const declared = Object.fromEntries(
      (definition.type as { field: { name: string; number: number }[] }).field.map((f) => [f.name, f.number]),
    );
    expect(declared).toEqual(fields);
  });

  it('declares service DtnPeering with the bidirectional-streaming rpc Peer', () => {
    const service = pkg['dtn.peering.v1.DtnPeering'] as protoLoader.ServiceDefinition;
    expect(Object.keys(service)).toEqual(['Peer']);
    expect(service['Peer']).toMatchObject({ path: '/dtn.peering.v1.DtnPeering/Peer', requestStream: true, responseStream: true });
  });
});

const ts = (seconds: number, nanos = 0) => ({ seconds: String(seconds), nanos });

/** One PeerMessage per payload, together using every message type and every oneof member. */
const messages: Record<string, PeerMessage> = {
  hello: { sequence_number: '1', hello: { local_ad_id: 'dsn.example.org', speaker_node_id: 'dtn://speaker-alpha', hold_time_seconds: 90 } },
  challenge: { sequence_number: '2', challenge: { nonce: Buffer.from('0123456789abcdef0123456789abcdef', 'hex') } },
  response: { sequence_number: '3', response: { signature: Buffer.alloc(64, 7) } },
  keep_alive: { sequence_number: '18446744073709551615', keep_alive: {} },
  update: {
    sequence_number: '4',
    update: {
      announcements: [
        {
          patterns: [
            { ipn: { allocator_id: 100, node_id: 0, is_wildcard: true } },
            { ipn: { allocator_id: 4294967295, node_id: 4294967295, is_wildcard: false } },
            { dtn: { authority_string: 'rover*.example.org', is_wildcard: true } },
          ],
          ad_path: ['relay.example.net', 'dsn.example.org'],
          metric: 10,
          attributes: [
            { gateway_eid: 'dtn://ingress1.dsn.example.org' },
            { valid_from: ts(1_767_225_600, 500_000_000) },
            { valid_until: ts(1_767_229_200) },
            { bandwidth_bps: '9007199254740993' },
            { max_bundle_size: 1_048_576 },
            { unknown: { type_id: 42, value: Buffer.from([0, 1, 2, 255]), transitive: true } },
            { unknown: { type_id: 43, value: Buffer.alloc(0), transitive: false } },
          ],
        },
      ],
      withdrawals: [
        { patterns: [{ dtn: { authority_string: 'rover1.example.org', is_wildcard: false } }] },
        { patterns: [{ ipn: { allocator_id: 100, node_id: 7, is_wildcard: false } }], valid_from: ts(1_767_225_600) },
      ],
    },
  },
  notification: { sequence_number: '5', notification: { level: 'ERROR', message: 'hold timer expired', code: -3 } },
};

describe('PeerMessage round trip through the grpc-js serializers', () => {
  it.each(Object.entries(messages))('%s survives encode → decode → encode', (payload, message) => {
    const bytes = codec.encode(message);
    const decoded = codec.decode(bytes);
    expect(decoded.payload).toBe(payload);
    expect(decoded).toMatchObject(message);
    expect(codec.encode(decoded)).toEqual(bytes);
  });

  it('decodes each attribute to its own oneof member, 64-bit values exactly', () => {
    const attributes = codec.decode(codec.encode(messages['update']!)).update?.announcements[0]?.attributes ?? [];
    expect(attributes.map((a) => a.attribute)).toEqual([
      'gateway_eid', 'valid_from', 'valid_until', 'bandwidth_bps', 'max_bundle_size', 'unknown', 'unknown',
    ]);
    expect(attributes[3]?.bandwidth_bps).toBe('9007199254740993'); // 2^53 + 1: not representable as a double
    expect(attributes[1]?.valid_from).toEqual({ seconds: '1767225600', nanos: 500_000_000 });
  });

  it('fills absent fields with their proto3 defaults', () => {
    const decoded = codec.decode(codec.encode({ hello: { local_ad_id: 'dsn.example.org' } }));
    expect(decoded).toMatchObject({ sequence_number: '0', payload: 'hello', hello: { speaker_node_id: '', hold_time_seconds: 0 } });
  });

  it('puts the draft field numbers on the wire', () => {
    // field 1 varint 1; field 20 (keep_alive), length-delimited, empty: tag (20<<3)|2 = 162 = a2 01
    expect(codec.encode({ sequence_number: '1', keep_alive: {} }).toString('hex')).toBe('0801a20100');
    // field 30 (notification) = f2 01 { field 1 varint 2 (ERROR); field 3 varint 7 }
    expect(codec.encode({ notification: { level: 'ERROR', code: 7 } }).toString('hex')).toBe('f20104' + '0802' + '1807');
    // field 21 (update) { field 1 announcements { field 10 attributes { field 255 unknown = fa 0f { field 1: 9 } } } }
    const unknown = { update: { announcements: [{ attributes: [{ unknown: { type_id: 9 } }] }] } };
    expect(codec.encode(unknown).toString('hex')).toBe('aa0109' + '0a07' + '5205' + 'fa0f02' + '0809');
  });
});
