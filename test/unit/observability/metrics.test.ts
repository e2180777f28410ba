import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.js';

/** Contract §4: names dashboards and alerts rely on. */
const CONTRACT_METRICS = [
  'ofd_gateway_connections',
  'ofd_gateway_messages_total',
  'ofd_gateway_acks_total',
  'ofd_gateway_ack_latency_seconds',
  'ofd_gateway_protocol_errors_total',
  'ofd_documents_persisted_total',
  'ofd_queue_jobs',
  'ofd_forward_total',
  'ofd_forward_latency_seconds',
];

describe('createMetrics', () => {
  it('registers every contract metric in its own registry, with help text', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const registered = metrics.registry.getMetricsAsArray();
    const names = registered.map((m) => m.name);
    for (const name of CONTRACT_METRICS) expect(names).toContain(name);
    for (const m of registered) expect(m.help.length).toBeGreaterThan(10);
    expect(await metrics.render()).toContain('# TYPE ofd_gateway_ack_latency_seconds histogram');
  });

  it('exposes the metrics of a role only in processes that run it, the shared ones everywhere', async () => {
    const names = (roles: Array<'gateway' | 'worker' | 'api'>) =>
      createMetrics({ defaultMetrics: false, roles }).registry.getMetricsAsArray().map((m) => m.name);
    const worker = names(['worker']);
    expect(worker).toContain('ofd_documents_persisted_total');
    expect(worker).toContain('ofd_worker_jobs_total');
    expect(worker.filter((n) => n.startsWith('ofd_gateway_'))).toEqual([]);
    const gateway = names(['gateway']);
    expect(gateway).toContain('ofd_gateway_ack_latency_seconds');
    expect(gateway).not.toContain('ofd_documents_persisted_total');
    // Every process serves /metrics with queue depths, forwarding (the marking listener calls CRPT) and HTTP timings.
    for (const list of [worker, gateway, names(['api'])]) {
      for (const shared of ['ofd_queue_jobs', 'ofd_forward_total', 'ofd_http_request_duration_seconds']) expect(list).toContain(shared);
    }
    // The objects of a role that is off still work; they just are not exposed.
    const api = createMetrics({ defaultMetrics: false, roles: ['api'] });
    api.gateway.acks.inc({ code: 0 });
    expect(await api.render()).not.toContain('ofd_gateway_acks_total');
  });

  it('builds independent registries, default metrics included, without throwing', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.gateway.connections.inc();
    expect(await a.render()).toContain('ofd_gateway_connections 1');
    expect(await b.render()).toContain('ofd_gateway_connections 0');
    expect(await a.render()).toContain('process_cpu_user_seconds_total');
  });

  it('labels with the fixed label names', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.gateway.acks.inc({ code: 14 });
    metrics.gateway.messages.inc({ result: 'accepted' });
    metrics.forward.total.inc({ target: 'fns', result: 'ok' });
    metrics.forward.latency.observe({ target: 'fns' }, 0.2);
    metrics.documents.persisted.inc({ form: 3 });
    const text = await metrics.render();
    expect(text).toContain('ofd_gateway_acks_total{code="14"} 1');
    expect(text).toContain('ofd_gateway_messages_total{result="accepted"} 1');
    expect(text).toContain('ofd_forward_total{target="fns",result="ok"} 1');
    expect(text).toContain('ofd_documents_persisted_total{form="3"} 1');
  });

  it('has ack latency buckets from 0.5 ms to 3 s', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.gateway.ackLatency.observe(0.0004);
    return metrics.render().then((text) => {
      expect(text).toContain('ofd_gateway_ack_latency_seconds_bucket{le="0.0005"} 1');
      expect(text).toContain('ofd_gateway_ack_latency_seconds_bucket{le="3"} 1');
    });
  });

  it('collects ofd_queue_jobs from registered sources at scrape time, and stops after unregistering', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let waiting = 5;
    const unregister = metrics.addQueueDepthSource(async () => [{ queue: 'documents', state: 'waiting', count: waiting }]);
    expect(await metrics.render()).toContain('ofd_queue_jobs{queue="documents",state="waiting"} 5');
    waiting = 2;
    expect(await metrics.render()).toContain('ofd_queue_jobs{queue="documents",state="waiting"} 2');
    unregister();
    expect(await metrics.render()).not.toContain('ofd_queue_jobs{');
  });

  it('answers a scrape when a queue-depth source hangs or fails, and counts it', async () => {
    const metrics = createMetrics({ defaultMetrics: false, queueDepthTimeoutMs: 50 });
    metrics.addQueueDepthSource(() => new Promise(() => undefined));
    metrics.addQueueDepthSource(() => Promise.reject(new Error('down')));
    metrics.addQueueDepthSource(async () => [{ queue: 'fns', state: 'failed', count: 1 }]);
    const started = performance.now();
    const text = await metrics.render();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(text).toContain('ofd_queue_jobs{queue="fns",state="failed"} 1');
    expect(text).toContain('ofd_queue_depth_errors_total 2');
  });
});
