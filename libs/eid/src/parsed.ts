/**
 * What parsing text or wire input returns: a value, or an error that says what is wrong and where.
 * A result, not an exception, because bad patterns are ordinary input (a peer's RouteUpdate, a
 * config file, the CLI) and each caller decides what a failure means for it.
 */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PatternError };

export interface PatternError {
  /** 1-based column in the text that was parsed (for wire input: in the field named by `message`). */
  readonly column: number;
  readonly reason: string;
  /** `column N: reason`, ready for a log line or a Notification. */
  readonly message: string;
}

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });

export const patternError = (column: number, reason: string): PatternError => ({
  column,
  reason,
  message: `column ${column}: ${reason}`,
});

export const fail = <T>(column: number, reason: string): Parsed<T> => ({ ok: false, error: patternError(column, reason) });
