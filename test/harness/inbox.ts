import { until } from '#libs/lab';
import type { PeerMessage__Output } from '#libs/wire';
import type { Received } from '../../services/session/src/peer-service.ts';

/**
 * What one side of a call driven by hand has received, in order, and `take`: the first message
 * not taken yet with this payload (any, without one), each handed out once.
 */
export function inbox(call: { on(event: 'data', listener: (received: Received) => void): unknown }, from: string) {
  const messages: PeerMessage__Output[] = [];
  const taken = new Set<PeerMessage__Output>();
  call.on('data', (r) => void ('message' in r && messages.push(r.message)));
  return {
    messages,
    take: (payload?: string) =>
      until(`a ${payload ?? 'message'} from ${from}`, () => {
        const m = messages.find((m) => !taken.has(m) && (payload === undefined || m.payload === payload));
        if (m) taken.add(m);
        return m;
      }),
  };
}
