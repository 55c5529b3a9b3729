/** Hardy's TVR session requests that carry contacts (proto/hardy/tvr/tvr.proto). */
export type TvrContactsVerb = 'add' | 'remove' | 'replace';

/** About 100 bytes a contact: a request stays near 1 MB, under the few MB a gRPC server takes (4 MB by default in tonic, Hardy's). */
export const CONTACTS_PER_REQUEST = 10_000;

/**
 * One request's worth of contacts split into requests of at most `perRequest`. An add or a remove
 * keeps its verb in every part; a replace is the replace of the first part, then adds of the rest,
 * which leaves the session holding the same set. A replace of nothing is still sent: it empties the
 * session; an add or a remove of nothing is no request.
 */
export function tvrRequestsOf<C>(verb: TvrContactsVerb, contacts: readonly C[], perRequest = CONTACTS_PER_REQUEST): { verb: TvrContactsVerb; contacts: C[] }[] {
  const parts: { verb: TvrContactsVerb; contacts: C[] }[] = [];
  if (contacts.length === 0 && verb !== 'replace') return parts;
  for (let at = 0; at === 0 || at < contacts.length; at += perRequest) {
    parts.push({ verb: at > 0 && verb === 'replace' ? 'add' : verb, contacts: contacts.slice(at, at + perRequest) });
  }
  return parts;
}
