/** Where a command writes: the process streams in production, buffers in tests. */
export interface CommandIo {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/**
 * Exit codes every dpp command keeps: 0 success, 1 the input was read but is not valid (an
 * invalid pattern, a failed check), 2 the command line itself is wrong.
 */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;
