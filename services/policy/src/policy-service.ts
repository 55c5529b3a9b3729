import { peerEventStream, policyEventSubject, ribStreams, ribSubjects } from '#libs/events';
import { jetstreamManager } from '@nats-io/jetstream';
import { serveStatus } from '#libs/api';
import { Registry, serveMetrics } from '#libs/metrics';
import { adToken, startTableExport, tableMetrics } from '#libs/tables';
import { connectNats, ensureStream, natsReadiness } from '#libs/streams';
import { startImportStage } from './import-stage.ts';
import { startLivenessWatch } from './liveness-watch.ts';
import type { PolicyConfig } from '#libs/service-config';
import { logPolicyVersion } from './policy-version.ts';
import { peerTable } from './peer-table.ts';

/** The exporter's own state bucket: `<prefix>-_export`; no peer AD's token starts with `_`. */
const STATE = '_export';

/**
 * The policy service (design.md, data flow): the import stage between the peer events and the RIB
 * input, and the export stage between the Loc-RIB changes and each peer's Adj-RIB-Out, which the
 * session services send. At start it logs its policy as the version in force when it is not
 * already, so the import stage applies it from that point of the log on.
 */
export async function startPolicyService(config: PolicyConfig, log: (line: Record<string, unknown>) => void): Promise<{ stop(): Promise<void> }> {
  const nc = await connectNats(config.natsUrl, `dpp-policy ${config.localAd}`);
  const subjects = ribSubjects(config);
  const stops: (() => Promise<void>)[] = [];
  try {
    await ensureStream(nc, peerEventStream(config));
    await ensureStream(nc, ribStreams(config).input);
    await ensureStream(nc, ribStreams(config).locRib);
    const logged = await logPolicyVersion(nc, config.peerEvents, policyEventSubject(config.peerSubjectPrefix), config.policyFile, Date.now());
    log({ level: 'info', msg: logged.seq === undefined ? 'policy version already in force' : 'policy version logged', version: logged.version, seq: logged.seq });
    const registry = new Registry();
    const decisions = registry.counter('dpp_import_routes_total', 'Import decisions on routes, by peer AD, decision and rule (accepted: the rules that matched, joined; rejected: the rule)', ['peer', 'decision', 'rule']);
    const importer = await startImportStage(nc, {
      peerStream: config.peerEvents,
      ribStream: config.ribInput,
      ribSubject: subjects.verdict,
      restartMs: config.restartMs,
      batch: config.batch,
      log,
      onVerdict: (v) => {
        if (v.type !== 'update') return;
        for (const a of v.accepted) decisions.inc({ peer: v.peerAd, decision: 'accepted', rule: a.rules?.join(',') ?? '' }, a.patterns.length);
        for (const r of v.rejected) decisions.inc({ peer: v.peerAd, decision: 'rejected', rule: r.rule });
      },
    });
    stops.push(importer.stop);
    const importLag = registry.gauge('dpp_import_lag_events', 'Peer events not yet judged (consumer lag)');
    const importLagNow = async () => Math.max(0, (await (await jetstreamManager(nc)).streams.info(config.peerEvents)).state.last_seq - importer.position());
    registry.collect(async () => importLag.set(await importLagNow()));
    /** Where each peer's Adj-RIB-Out stands in the change stream (none without peers). */
    let tables: () => ReadonlyMap<string, number | undefined> = () => new Map();
    const targets = config.peers.map((peer) => peerTable(adToken(peer), config.policy.export, config.localAd, peer));
    if (targets.length > 0) {
      const peerOf = new Map(config.peers.map((peer) => [adToken(peer), peer]));
      const metrics = tableMetrics(registry, 'adj_rib_out', nc, config.locRib, { name: 'peer', of: (table) => peerOf.get(table) ?? table });
      const exporter = await startTableExport(nc, { changeStream: config.locRib, targets, bucketPrefix: config.adjRibOutPrefix, stateName: STATE, idPrefix: 'out', batch: config.batch, replicas: config.replicas, log, onPublished: metrics.onPublished });
      metrics.attach(exporter);
      tables = () => exporter.positions();
      stops.push(exporter.stop);
    }
    stops.push((await startLivenessWatch(nc, config, { log })).stop);
    stops.push((await serveMetrics(registry, config.metrics, natsReadiness(nc))).stop);
    const status = serveStatus(nc, { service: 'policy', ad: config.localAd, adToken: adToken(config.localAd) }, async () => ({ lag: await importLagNow(), detail: { peers: config.peers, policyVersion: logged.version, importedThrough: importer.position(), tables: Object.fromEntries(tables()) } }), log);
    stops.push(async () => status.stop());
    log({ level: 'info', msg: 'policy service running', peers: config.peers, adjRibOut: config.peers.map((p) => `${config.adjRibOutPrefix}-${adToken(p)}`) });
    return {
      stop: async () => {
        for (const stop of stops.reverse()) await stop();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    await nc.close();
    throw error;
  }
}
