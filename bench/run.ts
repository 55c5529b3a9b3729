import { parseArgs } from 'node:util';
import type { Figure } from './lib/figure.ts';
import { machine, notes, save, table } from './lib/report.ts';
import { fibLookup } from './figures/fib-lookup.ts';
import { gatewayLoad } from './figures/gateway-load.ts';
import { handshakes } from './figures/handshakes.ts';
import { anchors } from './figures/anchors.ts';
import { pipeline, pipelineProcesses } from './figures/pipeline.ts';
import { adjRibOutSend, policyImport, softReconfiguration } from './figures/policy.ts';
import { scheduledWindows } from './figures/scheduled-windows.ts';
import { timeVariant } from './figures/time-variant.ts';
import { ribMemory, ribReplay, ribRestart } from './figures/rib.ts';

/**
 * `npm run bench [-- --quick] [-- --only NAME]`: every figure, each beside its baseline measured
 * in the same run; a table on stdout and a JSON file under bench/results/. --quick runs small
 * sizes in well under a minute, for CI to check that the bench still runs (never its timings).
 */
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const quick = values.quick;

const FIGURES: Record<string, () => Figure | Figure[] | Promise<Figure | Figure[]>> = {
  'fib-lookup': () => fibLookup(quick ? 100_000 : 1_000_000, quick ? 3 : 7),
  'gateway-load': () => gatewayLoad(quick ? 50_000 : 1_000_000, quick ? 1 : 3),
  'rib-memory': () => ribMemory(quick ? 50_000 : 1_000_000),
  'rib-replay': () => ribReplay(quick ? 50_000 : 1_000_000),
  'rib-restart': () => ribRestart(quick ? 50_000 : 1_000_000),
  pipeline: () => pipeline(quick ? 20_000 : 1_000_000, quick ? 2 : 3, quick ? 20 : 60),
  'pipeline-processes': () => pipelineProcesses(quick ? 20_000 : 1_000_000, quick ? 2 : 3, quick ? 20 : 60),
  anchors: () => anchors(quick ? 20_000 : 1_000_000, quick ? 1 : 3),
  handshakes: () => handshakes(quick ? 40 : 400, 8, quick ? 1 : 3),
  'policy-import': () => policyImport(quick ? 50_000 : 1_000_000, quick ? 2 : 3),
  'soft-reconfiguration': () => softReconfiguration(quick ? 50_000 : 1_000_000, quick ? 2 : 3),
  'adj-rib-out': () => adjRibOutSend(quick ? 10_000 : 1_000_000, quick ? 1 : 3),
  'scheduled-windows': () => scheduledWindows(quick ? 5_000 : 100_000, quick ? 20 : 500, quick ? 1 : 3),
  'time-variant': () => timeVariant(quick ? 1_000 : 10_000, quick ? 20 : 100, quick ? 1 : 3),
};

const chosen = values.only === undefined ? Object.keys(FIGURES) : [values.only];
const figures: Figure[] = [];
for (const name of chosen) {
  const run = FIGURES[name];
  if (run === undefined) {
    console.error(`bench: no figure "${name}"; figures: ${Object.keys(FIGURES).join(', ')}`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${name}...\n`);
  figures.push(...[await run()].flat());
}

const info = machine();
console.log(`dpp bench (${quick ? 'quick' : 'full'}) on ${info['cpu']}, ${info['cores']} cores, Node ${info['node']}, commit ${info['commit']}\n`);
console.log(table(figures));
console.log(`\n${notes(figures)}`);
console.log(`\nresults: ${save(new URL('./results/', import.meta.url), quick ? 'quick' : 'full', figures)}`);
