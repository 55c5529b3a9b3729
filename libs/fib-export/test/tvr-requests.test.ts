import { describe, expect, it } from 'vitest';
import { CONTACTS_PER_REQUEST, tvrRequestsOf } from '#libs/fib-export';

const contacts = (n: number) => Array.from({ length: n }, (_, i) => `ipn:300.${i}.*`);
const shape = (parts: { verb: string; contacts: unknown[] }[]) => parts.map((p) => `${p.verb} ${p.contacts.length}`);

describe('TVR requests of at most CONTACTS_PER_REQUEST contacts', () => {
  it('keeps a remove a remove in every part: a withdrawal of more than one request of routes must not add any back', () => {
    expect(shape(tvrRequestsOf('remove', contacts(CONTACTS_PER_REQUEST + 50)))).toEqual([`remove ${CONTACTS_PER_REQUEST}`, 'remove 50']);
    expect(shape(tvrRequestsOf('add', contacts(2 * CONTACTS_PER_REQUEST + 1)))).toEqual([`add ${CONTACTS_PER_REQUEST}`, `add ${CONTACTS_PER_REQUEST}`, 'add 1']);
  });

  it('sends a large replace as the replace of its first part and adds of the rest, in order and without loss', () => {
    const all = contacts(25);
    const parts = tvrRequestsOf('replace', all, 10);
    expect(shape(parts)).toEqual(['replace 10', 'add 10', 'add 5']);
    expect(parts.flatMap((p) => p.contacts)).toEqual(all);
  });

  it('sends a replace of nothing, which empties the session, and no add or remove of nothing', () => {
    expect(shape(tvrRequestsOf('replace', []))).toEqual(['replace 0']);
    expect(tvrRequestsOf('add', [])).toEqual([]);
    expect(tvrRequestsOf('remove', [])).toEqual([]);
  });
});
