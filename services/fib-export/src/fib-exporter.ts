import type { NatsConnection } from '@nats-io/transport-node';
import { gatewayTable, type GatewaySpec } from '#libs/fib-export';
import { startTableExport } from '#libs/tables';
import { STATE_BUCKET } from '#libs/service-config';

export interface FibExportOptions {
  /** The Loc-RIB change stream the FIBs follow. */
  readonly changeStream: string;
  readonly gateways: readonly GatewaySpec[];
  /** Gateway G's FIB is the KV bucket `<prefix>-G`; the exporter's own state is in `<prefix>-export`. */
  readonly bucketPrefix: string;
  readonly batch: number;
  readonly replicas?: number;
  readonly log: (line: Record<string, unknown>) => void;
  readonly onPublished?: (gateway: string, deltas: number) => void;
}

/**
 * The FIB export (design.md property 6): per gateway, a table of pattern → FibEntry kept from the
 * Loc-RIB change stream (libs/tables), with message ids `fib-…`.
 */
export const startFibExport = (nc: NatsConnection, options: FibExportOptions) =>
  startTableExport(nc, {
    changeStream: options.changeStream,
    targets: options.gateways.map(gatewayTable),
    bucketPrefix: options.bucketPrefix,
    stateName: STATE_BUCKET,
    idPrefix: 'fib',
    batch: options.batch,
    replicas: options.replicas ?? 1,
    log: options.log,
    ...(options.onPublished ? { onPublished: options.onPublished } : {}),
  });
