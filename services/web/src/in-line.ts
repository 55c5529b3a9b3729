/** Too much work in line: answered 503, try again. */
export class Busy extends Error {}

/**
 * Runs work one at a time, in the order asked, with at most `most` in line (the one running
 * included): past that, work is refused at once with Busy, rather than done long after whoever
 * asked for it has gone.
 */
export function inLine(most: number): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  let count = 0;
  return <T>(work: () => Promise<T>): Promise<T> => {
    if (count >= most) return Promise.reject(new Busy(`${count} requests for the log are under way or waiting: try again shortly`));
    count++;
    const mine = last.then(work, work).finally(() => count--);
    last = mine.catch(() => undefined);
    return mine;
  };
}
