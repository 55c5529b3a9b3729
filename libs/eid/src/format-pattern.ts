import type { EidPattern, IpnPart } from './eid-pattern.ts';

/**
 * The canonical text of a pattern, in draft -01's form: parsePattern(formatPattern(p)) gives p
 * back, and equal sets of EIDs print alike.
 */
export function formatPattern(pattern: EidPattern): string {
  if (pattern.scheme === 'dtn') {
    if (pattern.wildcardAt === 0 && pattern.authority.length === 1) return 'dtn:**';
    return `dtn://${pattern.authority}${pattern.path ?? '/**'}`;
  }
  if (pattern.allocator === '*') return 'ipn:**';
  return `ipn:${pattern.allocator}.${formatPart(pattern.node)}.${formatPart(pattern.service)}`;
}

/**
 * The text draft -00 gives the same pattern, for peers and files of -00 (`dpp pattern`), or
 * undefined when -00 cannot say it: -00 patterns name nodes, never a service or a path.
 */
export function formatPattern00(pattern: EidPattern): string | undefined {
  if (pattern.scheme === 'dtn') return pattern.path === undefined ? `dtn://${pattern.authority}` : undefined;
  if (pattern.allocator === '*') return 'ipn:*';
  return pattern.service.kind === 'wildcard' ? `ipn:${pattern.allocator}.${formatPart(pattern.node)}` : undefined;
}

function formatPart(part: IpnPart): string {
  switch (part.kind) {
    case 'exact':
      return String(part.value);
    case 'range':
      return `[${part.min}-${part.max}]`;
    case 'wildcard':
      return '*';
    default:
      return part satisfies never;
  }
}
