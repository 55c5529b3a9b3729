import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { apiSubject, askAll } from '#libs/api';
import { peerEventSubject, type PeerAdminEvent } from '#libs/events';
import { adName } from '#libs/identity';
import { adToken } from '#libs/tables';
import type { PeerActionAnswer, PeersAnswer } from '#libs/api';
import { commandLine } from './command-line.ts';
import { configDefaults, type ConfigDefaults } from './config-defaults.ts';
import { EXIT, type CommandIo } from './io.ts';
import { withNats } from './with-nats.ts';

export const PEER_USAGE = `usage: dpp peer disable PEER --config FILE [--reason TEXT]
       dpp peer enable PEER --config FILE
       dpp peer reset PEER --config FILE [--reason TEXT]
       dpp peer refresh PEER --config FILE

Acts on the peer AD PEER at every session service of the speaker whose config FILE is given
(every site), over NATS:
disable  an event in the peer log: the peer is no longer dialled nor accepted (its Hello is
         answered with Notification 30, ADMINISTRATIVE_SHUTDOWN) and its sessions end with
         Notification 30 and the reason. It stays disabled across restarts, whatever the
         config says, until enabled; a session service that is not running takes it up when it
         starts. Waits up to 5 s for the running session services to say they have.
enable   an event in the peer log: the peer is dialled and accepted again as the config says.
reset    each session ends with Notification 31 (ADMINISTRATIVE_RESET) and the reason; its
         session-down event in the log records both. The peer dials again, or is dialled.
refresh  the peer is sent its whole Adj-RIB-Out again (the routes it holds from us are
         announced anew), as after a session-up.
reset and refresh exit 1 when no session with PEER is found.
`;

const ACTIONS = ['disable', 'enable', 'reset', 'refresh'] as const;

export async function peerCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = commandLine(args, io, PEER_USAGE, { config: { type: 'string' }, reason: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const [action, peer, ...extra] = parsed.positionals;
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number]) || peer === undefined || extra.length > 0 || typeof parsed.values['config'] !== 'string') {
    io.err.write(`dpp peer: ${typeof parsed.values['config'] !== 'string' ? '--config is required' : `expected ${ACTIONS.join('|')} PEER`}\n\n${PEER_USAGE}`);
    return EXIT.usage;
  }
  const ad = adName(peer);
  if (Result.isFailure(ad)) {
    io.err.write(`dpp peer: PEER ${JSON.stringify(peer)} is not an AD name: ${ad.failure}\n`);
    return EXIT.usage;
  }
  const defaults = await configDefaults(parsed.values['config'], io);
  if (typeof defaults === 'number') return defaults;
  const reason = typeof parsed.values['reason'] === 'string' ? { reason: parsed.values['reason'] } : {};
  return withNats(defaults.nats, io, async (nc) => {
    if (action === 'disable' || action === 'enable') return adminEvent(nc, defaults, { v: 1, kind: 'peer-admin', peerAd: ad.success, action, at: Date.now(), ...reason }, io);
    const answers = await askAll<PeerActionAnswer>(nc, apiSubject(adToken(defaults.ad!), 'session.admin'), { peer: ad.success, action, ...reason });
    for (const a of answers) if (a.sessions > 0) io.out.write(`${a.speakerId}: ${action === 'reset' ? 'reset' : 'sent the whole table again on'} ${a.sessions} ${a.sessions === 1 ? 'session' : 'sessions'} with ${ad.success}\n`);
    if (answers.every((a) => a.sessions === 0)) {
      io.err.write(`dpp peer ${action}: no session with ${ad.success} ${answers.length === 0 ? '(no session service answers)' : `at ${answers.map((a) => a.speakerId).join(', ')}`}\n`);
      return EXIT.invalid;
    }
    return EXIT.ok;
  });
}

/** How long `disable`/`enable` wait for the running session services to take the event up. */
const TAKEN_UP_MS = 5_000;

/**
 * Appends a peer-admin event to the peer log (the log is where the state lives: a session service
 * not running takes it up at its start), then asks the running session services until each
 * says the peer's state is the one asked for.
 */
async function adminEvent(nc: NatsConnection, defaults: ConfigDefaults, event: PeerAdminEvent, io: CommandIo): Promise<number> {
  const ack = await jetstream(nc).publish(peerEventSubject(defaults.peerSubjectPrefix, event), JSON.stringify(event), { expect: { streamName: defaults.peerEvents } });
  io.out.write(`${event.peerAd} ${event.action}d: event ${ack.seq} in ${defaults.peerEvents}\n`);
  const wanted = event.action === 'disable';
  const deadline = Date.now() + TAKEN_UP_MS;
  let sites: PeersAnswer[] = [];
  for (;;) {
    sites = await askAll<PeersAnswer>(nc, apiSubject(adToken(defaults.ad!), 'session.peers'), { peer: event.peerAd });
    const behind = sites.filter((s) => (s.peers[0]?.disabled !== undefined) !== wanted);
    if (behind.length === 0 || Date.now() > deadline) {
      for (const s of sites) {
        const view = s.peers[0];
        const taken = (view?.disabled !== undefined) === wanted;
        io.out.write(`${s.speakerId}: ${taken ? `${event.peerAd} ${event.action}d${wanted ? `, ${view?.sessions.length ?? 0} of its sessions ending` : ''}` : `not yet taken up after ${TAKEN_UP_MS / 1000} s`}\n`);
      }
      if (sites.length === 0) io.out.write('no session service is running: each takes it up when it starts\n');
      return behind.length === 0 ? EXIT.ok : EXIT.invalid;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
