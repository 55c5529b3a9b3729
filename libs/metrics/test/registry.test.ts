import { describe, expect, it } from 'vitest';
import { Registry } from '#libs/metrics';

describe('metrics registry', () => {
  it('renders counters, gauges refreshed at scrape, and histograms in the Prometheus text format', async () => {
    const registry = new Registry();
    const received = registry.counter('dpp_updates_received_total', 'RouteUpdates received');
    const lag = registry.gauge('dpp_consumer_lag', 'Messages behind');
    const latency = registry.histogram('dpp_apply_seconds', 'Apply latency', [0.01, 0.1]);
    received.inc({ peer: 'a.org' });
    received.inc({ peer: 'a.org' }, 2);
    received.inc({ peer: 'say "hi"\\' });
    let behind = 5;
    registry.collect(() => lag.set(behind));
    latency.observe(0.05);
    latency.observe(0.5);
    expect(await registry.render()).toBe(
      [
        '# HELP dpp_updates_received_total RouteUpdates received',
        '# TYPE dpp_updates_received_total counter',
        'dpp_updates_received_total{peer="a.org"} 3',
        'dpp_updates_received_total{peer="say \\"hi\\"\\\\"} 1',
        '# HELP dpp_consumer_lag Messages behind',
        '# TYPE dpp_consumer_lag gauge',
        'dpp_consumer_lag 5',
        '# HELP dpp_apply_seconds Apply latency',
        '# TYPE dpp_apply_seconds histogram',
        'dpp_apply_seconds_bucket{le="0.01"} 0',
        'dpp_apply_seconds_bucket{le="0.1"} 1',
        'dpp_apply_seconds_bucket{le="+Inf"} 2',
        'dpp_apply_seconds_sum 0.55',
        'dpp_apply_seconds_count 2',
        '',
      ].join('\n'),
    );
    behind = 0;
    expect(await registry.render()).toContain('\ndpp_consumer_lag 0\n');
  });
});
