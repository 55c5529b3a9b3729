import type { EidPattern, IpnNode } from './eid-pattern.ts';

/** The canonical text of a pattern: parsePattern(formatPattern(p)) gives p back, and equal sets of EIDs print alike. */
export function formatPattern(pattern: EidPattern): string {
  if (pattern.scheme === 'dtn') return `dtn://${pattern.authority}`;
  if (pattern.allocator === '*') return 'ipn:*';
  return `ipn:${pattern.allocator}.${formatNode(pattern.node)}`;
}

function formatNode(node: IpnNode): string {
  switch (node.kind) {
    case 'exact':
      return String(node.node);
    case 'range':
      return `[${node.min}-${node.max}]`;
    case 'wildcard':
      return '*';
    default:
      return node satisfies never;
  }
}
