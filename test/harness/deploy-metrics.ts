import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** A metric name in a PromQL expression: ours, and the process and Node.js ones services serve. */
const METRIC = /\b(?:dpp|process|nodejs)_[a-z0-9_]+/g;
/** A histogram's series are named after it. */
const family = (series: string) => series.replace(/_(?:bucket|sum|count)$/, '');

/** Every metric the shipped alert rules (deploy/prometheus) and dashboard (deploy/grafana) name, by family. */
export function metricsNamedByDeploy(): Set<string> {
  const rules = parse(readFileSync(`${root}deploy/prometheus/dpp-alerts.yml`, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  const dashboard = JSON.parse(readFileSync(`${root}deploy/grafana/dpp-dashboard.json`, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))];
  return new Set(exprs.flatMap((expr) => [...expr.matchAll(METRIC)].map((m) => family(m[0]))));
}

/** The metric families a scrape declares (its `# TYPE` lines). */
export const familiesOf = (scrape: string): Set<string> => new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
