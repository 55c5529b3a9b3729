import { createServer } from 'node:http';
import type { Registry } from './registry.ts';

/**
 * A service's observability endpoint: `/metrics` (Prometheus), `/healthz` (the process answers),
 * `/readyz` (200 only while `ready()`: NATS connected and the service's own state, such as the
 * RIB's checkpoint, open; 503 otherwise, with why).
 */
export async function startMetricsServer(registry: Registry, options: { host: string; port: number; ready: () => string | undefined }): Promise<{ port: number; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.render().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(`${error.message}\n`),
      );
      return;
    }
    if (path === '/healthz') return void response.writeHead(200).end('ok\n');
    if (path === '/readyz') {
      const notReady = options.ready();
      return void (notReady === undefined ? response.writeHead(200).end('ready\n') : response.writeHead(503).end(`not ready: ${notReady}\n`));
    }
    response.writeHead(404).end('/metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host, resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The endpoint when the config gives the service a port; otherwise nothing is served. */
export async function serveMetrics(registry: Registry, where: { readonly host: string; readonly port: number } | undefined, ready: () => string | undefined): Promise<{ stop(): Promise<void> }> {
  if (where === undefined) return { stop: async () => undefined };
  return startMetricsServer(registry, { ...where, ready });
}
