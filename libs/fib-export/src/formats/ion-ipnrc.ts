import { parsePattern, type IpnPart } from '#libs/eid';
import type { FibEntry } from '../fib-entry.ts';
import { nodeOf } from './contact.ts';

/**
 * ION's `ipnadmin` commands (ipnrc(5)) for what contacts alone do not give ION: an egress plan
 * per neighbouring node (without one ION does not take a node as a neighbour, contacts or not),
 * and an `exit` per route whose pattern is a set of nodes of the default allocator (ION's static
 * default routes, taken when contact graph routing finds no route; among exits that hold a node
 * ION takes the smallest range, so their order does not matter; we write them most specific
 * first to read). A reload deletes each before it adds it.
 */

/** ION's highest node number we write: allocator 0's nodes are 32-bit (RFC 9758). */
const LAST_NODE = 0xffff_ffff;

/**
 * The plans and exits of a FIB. `ductTemplate` names a neighbour's outduct, `{node}` standing for
 * its number (`ltp/{node}`): without it the plans are left to the operator, said in `notes`.
 * Scheduled routes are ION contacts (`--format ion`), not exits; what an exit cannot say (another
 * allocator, a service, a dtn pattern) is said in `notes`.
 */
export function toIpnrc(entries: readonly FibEntry[], ductTemplate: string | undefined): { text: string; notes: string[] } {
  const notes: string[] = [];
  const neighbours = new Set<number>();
  const exits: { first: number; last: number; gateway: string; carries: string }[] = [];
  for (const e of entries) {
    const via = nodeOf(e.nextHop);
    if (via !== undefined) neighbours.add(via);
    if (e.validFrom !== undefined || e.validUntil !== undefined) continue;
    const nodes = nodeRange(e.pattern);
    if (typeof nodes === 'string') notes.push(`not expressible as an ION exit: ${e.pattern} via ${e.nextHop}: ${nodes}`);
    // A neighbour itself goes by its plan: ION takes an exit only for nodes it cannot reach directly.
    else if (!(nodes.first === via && nodes.last === via)) exits.push({ ...nodes, gateway: e.nextHop, carries: `${e.pattern} via ${e.nextHop}` });
  }
  exits.sort((a, b) => a.last - a.first - (b.last - b.first) || a.first - b.first);
  const plans = [...neighbours].sort((a, b) => a - b);
  if (ductTemplate === undefined && plans.length > 0) notes.push(`ION needs an egress plan for each neighbour (${plans.join(', ')}): give --ion-duct-template (ltp/{node}, for example) to write them`);
  const lines = [
    ...(ductTemplate === undefined ? [] : plans.flatMap((node) => [`d plan ${node}`, `a plan ${node} ${ductTemplate.replaceAll('{node}', String(node))}`])),
    ...exits.flatMap((x) => [`# ${x.carries}`, `d exit ${x.first} ${x.last}`, `a exit ${x.first} ${x.last} ${x.gateway}`]),
  ];
  return { text: lines.map((l) => `${l}\n`).join(''), notes };
}

/** The node numbers of allocator 0 a pattern takes every service of, or why it is no exit. */
function nodeRange(text: string): { first: number; last: number } | string {
  const parsed = parsePattern(text);
  if (!parsed.ok || parsed.value.scheme !== 'ipn') return 'an exit is a range of ipn nodes';
  const pattern = parsed.value;
  if (pattern.allocator === '*') return { first: 1, last: LAST_NODE };
  if (pattern.allocator !== 0) return `ION has only allocator 0's nodes, not allocator ${pattern.allocator}'s`;
  if (pattern.service.kind !== 'wildcard') return 'an exit takes every service of its nodes';
  const bounds = (node: IpnPart): { first: number; last: number } =>
    node.kind === 'exact' ? { first: node.value, last: node.value } : node.kind === 'range' ? { first: node.min, last: node.max } : { first: 0, last: LAST_NODE };
  const { first, last } = bounds(pattern.node);
  // Node 0 is the null endpoint: an exit starts at 1.
  return last === 0 ? 'node 0 is the null endpoint' : { first: Math.max(first, 1), last };
}

const OUR_COMMANDS = [/^d plan [1-9]\d*$/, /^a plan [1-9]\d* [a-z0-9]+\/\S+$/, /^d exit [1-9]\d* [1-9]\d*$/, /^a exit [1-9]\d* [1-9]\d* (ipn|dtn):\S+$/];

/** What ipnadmin says of a file we wrote: each line that is no comment and none of our command forms, or an exit whose range is upside down. */
export function checkIpnrc(text: string): string[] {
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    if (!OUR_COMMANDS.some((re) => re.test(line))) return void errors.push(`line ${i + 1}: not an ipnadmin command of ours: ${line}`);
    const words = line.split(' ');
    if (words[1] === 'exit' && (Number(words[2]) > Number(words[3]) || Number(words[3]) > LAST_NODE)) errors.push(`line ${i + 1}: an exit's first node must not pass its last (at most ${LAST_NODE})`);
  });
  return errors;
}
