#!/usr/bin/env node
// The `dpp` command. Plain JavaScript so that an old Node gets a clear message instead of a
// syntax error: the code runs as TypeScript through Node 24's type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `dpp: needs Node 24, found ${process.version}. Run it through npm (npx dpp ..., npm run ...), ` +
      'which puts the Node 24 that npm installs into node_modules/.bin first on PATH (npm run setup installs it).',
  );
  process.exit(2);
}
const { main } = await import('../services/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr });
