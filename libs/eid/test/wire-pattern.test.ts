import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPattern, parsePattern, patternFromWire, patternToWire, WIRE_IPN_ANY, type EidPattern } from '#libs/eid';
import { peerMessageCodec, type EidPattern as WireEidPattern, type EidPattern__Output } from '#libs/wire';
import { anyPattern } from '../../../test/harness/arbitraries.ts';

const codec = peerMessageCodec();

/** A pattern as a peer receives it: inside a real RouteUpdate, through the grpc-js serializers. */
const overTheWire = (pattern: WireEidPattern): EidPattern__Output => {
  const bytes = codec.encode({ update: { withdrawals: [{ patterns: [pattern] }] } });
  const received = codec.decode(bytes).update?.withdrawals[0]?.patterns[0];
  if (!received) throw new Error('pattern lost in transit');
  return received;
};

const pattern = (text: string): EidPattern => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};

describe('EidPattern on the wire (§7.6)', () => {
  it('round-trips every pattern that has a wire form, and refuses node ranges, services and paths', () => {
    fc.assert(
      fc.property(anyPattern, (p) => {
        const wire = patternToWire(p);
        const local =
          p.scheme === 'dtn' ? p.path !== undefined : p.allocator !== '*' && (p.node.kind === 'range' || p.service.kind !== 'wildcard');
        if (local) {
          expect(wire.ok ? 'sent' : wire.error.reason).toContain('no wire form');
          return;
        }
        if (!wire.ok) expect.fail(wire.error.message);
        expect(patternFromWire(overTheWire(wire.value))).toEqual({ ok: true, value: p });
      }),
    );
  });

  it.each([
    ['ipn:100.1.*', { ipn: { allocator_id: 100, node_id: 1, is_wildcard: false } }],
    ['ipn:100.*.*', { ipn: { allocator_id: 100, node_id: 0, is_wildcard: true } }],
    ['ipn:0.*.*', { ipn: { allocator_id: 0, node_id: 0, is_wildcard: true } }],
    ['ipn:**', { ipn: WIRE_IPN_ANY }],
    ['dtn://rover*.example.org/**', { dtn: { authority_string: 'rover*.example.org', is_wildcard: true } }],
    ['dtn://rover1.example.org/**', { dtn: { authority_string: 'rover1.example.org', is_wildcard: false } }],
    ['dtn:**', { dtn: { authority_string: '*', is_wildcard: true } }],
  ])('encodes %s as documented in docs/spec-notes.md', (text, expected) => {
    expect(patternToWire(pattern(text))).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['ipn:100.1.5', 'a service has no wire form', 'advertise ipn:100.1.*'],
    ['ipn:100.1.[0-63]', 'a service has no wire form', 'advertise ipn:100.1.*'],
    ['ipn:100.[1-2].*', 'a node range has no wire form', 'advertise ipn:100.*.*'],
    ['dtn://rover1.example.org/svc', 'a path has no wire form', 'advertise dtn://rover1.example.org/**'],
  ])('refuses to send %s, which §7.6 cannot carry, and says what can go', (text, why, instead) => {
    const wire = patternToWire(pattern(text));
    expect(wire.ok ? 'sent' : wire.error.reason).toContain(why);
    expect(wire.ok ? 'sent' : wire.error.reason).toContain(instead);
  });

  it('ignores node_id on a received allocator wildcard, except the ipn:** marker', () => {
    const received = patternFromWire(overTheWire({ ipn: { allocator_id: 7, node_id: 12345, is_wildcard: true } }));
    expect(received.ok && formatPattern(received.value)).toBe('ipn:7.*.*');
  });

  it.each([
    [{ dtn: { authority_string: 'rover*.example.org', is_wildcard: false } }, 'is_wildcard is false'],
    [{ dtn: { authority_string: 'rover1.example.org', is_wildcard: true } }, 'is_wildcard is true'],
    [{ dtn: { authority_string: 'rover1.*.example.org', is_wildcard: true } }, 'left-most label (§4.1.2)'],
    [{ dtn: { authority_string: 'r*v*r.example.org', is_wildcard: true } }, 'must end its label'],
    [{ dtn: { authority_string: '*rover.example.org', is_wildcard: true } }, 'must end its label'],
    [{ dtn: { authority_string: '', is_wildcard: false } }, 'authority_string: empty'],
    [{ dtn: { authority_string: 'rover1.example.org/svc', is_wildcard: false } }, '"/" is not allowed'],
    [{}, 'neither an ipn nor a dtn pattern'],
  ] satisfies [WireEidPattern, string][])('refuses a received %o', (wire, phrase) => {
    const received = patternFromWire(overTheWire(wire));
    expect(received.ok ? 'accepted' : received.error.reason).toContain(phrase);
  });

  it('lower-cases a received dtn name, as the text form does', () => {
    const received = patternFromWire(overTheWire({ dtn: { authority_string: 'Rover1.Example.ORG', is_wildcard: false } }));
    expect(received).toEqual(parsePattern('dtn://rover1.example.org'));
  });
});
