import { describe, expect, it } from 'vitest';
import { Registry } from '#libs/metrics';

/** The sample lines of a scrape (comments and blank lines left out). */
const samples = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('metrics registry', () => {
  it('renders counters, gauges refreshed at scrape, and histograms in the Prometheus text format', async () => {
    const registry = new Registry();
    const received = registry.counter('dpp_updates_received_total', 'RouteUpdates received', ['peer']);
    const lag = registry.gauge('dpp_consumer_lag_events', 'Events behind');
    const latency = registry.histogram('dpp_apply_seconds', 'Apply latency', [0.01, 0.1]);
    received.inc({ peer: 'a.org' });
    received.inc({ peer: 'a.org' }, 2);
    received.inc({ peer: 'say "hi"\\' });
    let behind = 5;
    registry.collect(() => lag.set(behind));
    latency.observe(0.05);
    latency.observe(0.5);
    const text = await registry.render();
    expect(text).toContain('# HELP dpp_updates_received_total RouteUpdates received\n# TYPE dpp_updates_received_total counter\n');
    expect(samples(text)).toEqual(
      expect.arrayContaining([
        'dpp_updates_received_total{peer="a.org"} 3',
        'dpp_updates_received_total{peer="say \\"hi\\"\\\\"} 1',
        'dpp_consumer_lag_events 5',
        'dpp_apply_seconds_bucket{le="0.01"} 0',
        'dpp_apply_seconds_bucket{le="0.1"} 1',
        'dpp_apply_seconds_bucket{le="+Inf"} 2',
        'dpp_apply_seconds_sum 0.55',
        'dpp_apply_seconds_count 2',
      ]),
    );
    behind = 0;
    expect(samples(await registry.render())).toContain('dpp_consumer_lag_events 0');
  });

  it('serves the process and Node.js metrics and dpp_build_info beside the service own', async () => {
    const text = await new Registry().render();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(samples(text)).toContain(`dpp_build_info{version="0.1.0",node="${process.versions.node}"} 1`);
  });

  it('gives the one metric to whoever asks for it again (a gauge per gateway of one service), and refuses it as another type', async () => {
    const registry = new Registry();
    registry.counter('dpp_sessions_total', 'Sessions', ['gateway']).inc({ gateway: 'a' });
    registry.counter('dpp_sessions_total', 'Sessions', ['gateway']).inc({ gateway: 'b' }, 2);
    expect(samples(await registry.render()).filter((l) => l.startsWith('dpp_sessions_total'))).toEqual(['dpp_sessions_total{gateway="a"} 1', 'dpp_sessions_total{gateway="b"} 2']);
    expect(() => registry.gauge('dpp_sessions_total', 'Sessions')).toThrow('metric dpp_sessions_total is already registered, and not as a gauge');
  });
});
