#!/usr/bin/env node
// The `dpp` command. Plain JavaScript, so that any Node can start it: dpp runs as TypeScript
// through Node 24's type stripping, and Node 24 comes with it (the `node` package, a dependency).
// Under an older Node (a system one first on PATH), this runs the same command line on that Node
// 24 and waits for it: a terminal's Ctrl-C reaches both (this one lets it pass), a SIGTERM or
// SIGHUP sent to this one is passed on, so a service started so stops and reloads as it would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// V8 sizes a young generation from the machine's memory: 64 MB a semi-space on a machine of 23 GB.
// A service that loads a table leaves it all touched, and a process of the stack grew by up to
// 128 MB more than its tables. 16 MB, V8's old default, cost CPU within this VM's noise (README
// "Performance": perhaps 5% in a warm ingest).
// A size the user gives (on this Node's command line or in NODE_OPTIONS, in either spelling) wins.
const V8_FLAGS = ['--max-semi-space-size=16'];
const SEMI_SPACE = /--max[-_]semi[-_]space[-_]size/;
const given = process.execArgv.filter((flag) => SEMI_SPACE.test(flag));
const flagged = given.length > 0 || SEMI_SPACE.test(process.env.NODE_OPTIONS ?? '');
const self = fileURLToPath(import.meta.url);

const major = Number(process.versions.node.split('.')[0]);
if (major >= 24 && !flagged && typeof process.execve === 'function') {
  // The same process (its pid is what systemd and `dpp up` watch), started again with the flags.
  process.execve(process.execPath, [process.execPath, ...V8_FLAGS, ...process.execArgv, self, ...process.argv.slice(2)]);
} else if (major >= 24) {
  const { main } = await import('../services/cli/src/main.ts');
  process.exitCode = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr });
} else {
  const node24 = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(node24)) {
    console.error(`dpp: needs Node 24, found ${process.version}, and its own Node 24 is not installed: run npm ci (or npm run setup) in ${fileURLToPath(new URL('..', import.meta.url))}.`);
    process.exit(2);
  }
  const child = spawn(node24, [...(flagged ? given : V8_FLAGS), self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
}
