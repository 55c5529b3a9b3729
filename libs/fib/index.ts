export { Fib } from './src/fib.ts';
export type { FibMatch } from './src/fib-entry.ts';
