import { formatPattern } from './format-pattern.ts';
import { parsePattern } from './parse-pattern.ts';

/**
 * A pattern text as draft -01 writes it. Texts logged before -01 (`ipn:100.1`, `dtn://name`) are
 * read through parsePattern once; texts already in -01 form, all that dpp writes now, are passed
 * through after a glance at their shape, so readers of the log can call this on every pattern.
 * A text that no longer parses (a -00 wildcard that -01 forbids) is kept as it is.
 */
export function currentPatternText(text: string): string {
  if (isCurrentShape(text)) return text;
  const parsed = parsePattern(text);
  return parsed.ok ? formatPattern(parsed.value) : text;
}

/** -01 ipn texts have two dots or are `ipn:**`; -01 dtn texts have a path or are `dtn:**`. */
function isCurrentShape(text: string): boolean {
  if (text.startsWith('ipn:')) {
    const dot = text.indexOf('.', 4);
    return text === 'ipn:**' || (dot >= 0 && text.indexOf('.', dot + 1) >= 0);
  }
  if (!text.startsWith('dtn://')) return text === 'dtn:**';
  const slash = text.indexOf('/', 'dtn://'.length);
  // `dtn://name/` is -00's node ID form: a path must follow the "/".
  return slash >= 0 && slash < text.length - 1;
}
