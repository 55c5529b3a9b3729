import type { RibEvent } from '#libs/rib';
import { nodeEid, nodePattern, type Contact } from './formats/contact.ts';

/**
 * A contact plan as locally originated scheduled routes (RIB input): each contact from our node
 * gives the node it reaches (`ipn:0.N.*`) a route via that node (`ipn:N.0`), inside the contact's window, at its
 * rate; contacts between other nodes, or of our node with itself, say nothing of our routes and
 * are returned apart. The plan
 * replaces the one imported before: the events are a session loss of the contacts neighbor (its
 * old routes go), then the new routes. `seq` is filled in by the log.
 */
export function contactRoutes(contacts: readonly Contact[], localNode: number, localAd: string): { events: RibEvent[]; skipped: Contact[] } {
  // The neighbor the RIB holds the plan's routes under: a plan replaces the one before by its session loss.
  const neighbor = `${localAd} contacts`;
  // A contact of our node with itself (ION plans carry them for loopback) is no route.
  const ours = contacts.filter((c) => c.from === localNode && c.to !== localNode);
  const accepted = ours.map((c) => ({
    patterns: [nodePattern(c.to)],
    adPath: [],
    metric: 0,
    gatewayEid: nodeEid(c.to),
    validFrom: c.start,
    validUntil: c.end,
    bandwidthBps: String(Math.round(c.rateBitsPerSec)),
    maxBundleSize: undefined,
    transitive: [],
  }));
  return {
    events: [
      { type: 'neighbor-down', seq: 0, neighbor, staleUntil: undefined },
      { type: 'update', seq: 0, neighbor, peerAd: localAd, withdrawn: [], accepted, rejected: [] },
    ],
    skipped: contacts.filter((c) => !ours.includes(c)),
  };
}
