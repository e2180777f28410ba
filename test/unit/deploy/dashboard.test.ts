// The Grafana dashboard and the Prometheus alert rules name metrics by string; src/observability/metrics.ts defines them.
// These tests keep the two from drifting: every ofd_* name the deploy files use must be defined there (read from the
// source text), histogram series must be queried through _bucket/_sum/_count, Node.js default metrics must exist, and
// every alert must link to a runbook section that exists in docs/operations.md.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');

/** metrics.ts and the per-role files it composes (gateway-metrics.ts, …): every metric is defined in one of them. */
const METRICS_SOURCES = readdirSync(`${ROOT}src/observability`).filter((f) => f.endsWith('metrics.ts')).map((f) => `src/observability/${f}`);
const DASHBOARD = 'deploy/grafana/dashboards/ofd.json';
const ALERTS = 'deploy/prometheus/alerts.yml';
const PROMETHEUS = 'deploy/prometheus/prometheus.yml';
const DATASOURCE = 'deploy/grafana/provisioning/datasources/prometheus.yml';
const RUNBOOK = 'docs/operations.md';

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** `new Counter({ name: 'ofd_…'` etc. in metrics.ts → name → type. */
function definedOfdMetrics(source: string): Map<string, MetricType> {
  const defined = new Map<string, MetricType>();
  for (const m of source.matchAll(/new\s+(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*name:\s*'(ofd_[a-z0-9_]+)'/g)) {
    defined.set(m[2] as string, (m[1] as string).toLowerCase() as MetricType);
  }
  return defined;
}

/** The series names a metric exposes: a histogram as name_bucket/_sum/_count, a summary as name/_sum/_count. */
function seriesNames(name: string, type: MetricType): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

function namesIn(text: string, prefix: RegExp): string[] {
  return [...new Set([...text.matchAll(prefix)].map((m) => m[0]))].sort();
}
const OFD_NAME = /\bofd_[a-z0-9_]+/g;
const NODE_DEFAULT_NAME = /\b(?:process|nodejs)_[a-z0-9_]+/g;

/** Names used in PromQL that no metric exposes (a bare histogram name selects nothing, so it counts as unknown). */
function unknownInQueries(names: readonly string[], known: ReadonlySet<string>): string[] {
  return names.filter((n) => !known.has(n));
}

interface Rule {
  alert: string;
  expr: string;
  severity: string | undefined;
  runbookUrl: string | undefined;
  annotationsText: string;
}

/**
 * alerts.yml has one fixed shape (groups → rules → alert/expr/labels/annotations), so a small reader is enough and the
 * project needs no YAML dependency: split on `- alert:`, read `expr:` (inline or a `|` block) and the keys below it.
 */
function parseRules(yaml: string): Rule[] {
  const blocks = yaml.split(/^\s*- alert:\s*/m).slice(1);
  return blocks.map((block) => {
    const lines = block.split('\n');
    const alert = (lines[0] ?? '').trim();
    let expr = '';
    const exprAt = lines.findIndex((l) => /^\s*expr:/.test(l));
    if (exprAt !== -1) {
      const line = lines[exprAt] as string;
      const inline = line.replace(/^\s*expr:\s*/, '');
      if (inline.startsWith('|') || inline.startsWith('>')) {
        const indent = line.search(/\S/);
        const body: string[] = [];
        for (const l of lines.slice(exprAt + 1)) {
          if (l.trim() !== '' && l.search(/\S/) <= indent) break;
          body.push(l.trim());
        }
        expr = body.join('\n').trim();
      } else {
        expr = inline.trim();
      }
    }
    const value = (key: string): string | undefined => {
      const l = lines.find((x) => new RegExp(`^\\s*${key}:`).test(x));
      return l?.replace(new RegExp(`^\\s*${key}:\\s*`), '').replace(/^['"]|['"]$/g, '').trim();
    };
    const annotationsAt = lines.findIndex((l) => /^\s*annotations:/.test(l));
    return {
      alert,
      expr,
      severity: value('severity'),
      runbookUrl: value('runbook_url'),
      annotationsText: annotationsAt === -1 ? '' : lines.slice(annotationsAt).join('\n'),
    };
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped (letters of any script kept), spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const text = (heading[1] as string).replace(/`/g, '').trim();
    anchors.add(text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return anchors;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}

const defined = definedOfdMetrics(METRICS_SOURCES.map(read).join('\n'));
const knownOfdSeries = new Set([...defined].flatMap(([name, type]) => seriesNames(name, type)));
const knownOfdText = new Set([...knownOfdSeries, ...defined.keys()]);
const dashboard = JSON.parse(read(DASHBOARD)) as { uid: string; panels: Panel[] };
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const rules = parseRules(read(ALERTS));

describe('metric names in deploy files', () => {
  it('reads the metric definitions from metrics.ts (sanity: the §4 contract metrics are there)', () => {
    for (const name of [
      'ofd_gateway_connections',
      'ofd_gateway_messages_total',
      'ofd_gateway_acks_total',
      'ofd_gateway_ack_latency_seconds',
      'ofd_gateway_protocol_errors_total',
      'ofd_documents_persisted_total',
      'ofd_queue_jobs',
      'ofd_forward_total',
      'ofd_forward_latency_seconds',
    ]) {
      expect(defined.has(name), name).toBe(true);
    }
    expect(defined.get('ofd_gateway_ack_latency_seconds')).toBe('histogram');
  });

  it('the checker itself rejects unknown names and bare histogram names', () => {
    expect(unknownInQueries(['ofd_gateway_acks_total', 'ofd_no_such_metric', 'ofd_gateway_ack_latency_seconds'], knownOfdSeries))
      .toEqual(['ofd_no_such_metric', 'ofd_gateway_ack_latency_seconds']);
  });

  it('every ofd_* name in the dashboard queries is exposed by metrics.ts', () => {
    const used = namesIn(dashboardExprs.join('\n'), OFD_NAME);
    expect(used.length).toBeGreaterThan(10);
    expect(unknownInQueries(used, knownOfdSeries)).toEqual([]);
  });

  it('every ofd_* name in the dashboard titles and descriptions is defined in metrics.ts', () => {
    const text = dashboard.panels.map((p) => `${p.title}\n${p.description ?? ''}`).join('\n');
    expect(namesIn(text, OFD_NAME).filter((n) => !knownOfdText.has(n))).toEqual([]);
  });

  it('every ofd_* name in the alert expressions is exposed by metrics.ts', () => {
    const used = namesIn(rules.map((r) => r.expr).join('\n'), OFD_NAME);
    expect(used.length).toBeGreaterThan(5);
    expect(unknownInQueries(used, knownOfdSeries)).toEqual([]);
  });

  it('every ofd_* name anywhere in alerts.yml (annotations, comments) is defined in metrics.ts', () => {
    expect(namesIn(read(ALERTS), OFD_NAME).filter((n) => !knownOfdText.has(n))).toEqual([]);
  });

  it('the Node.js default metrics used exist in a registry built by createMetrics()', async () => {
    const metrics = createMetrics();
    const exposed = new Set(
      (await metrics.registry.getMetricsAsJSON()).flatMap((m) => seriesNames(m.name, String(m.type) as MetricType)),
    );
    const used = namesIn(`${dashboardExprs.join('\n')}\n${rules.map((r) => r.expr).join('\n')}`, NODE_DEFAULT_NAME);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((n) => !exposed.has(n))).toEqual([]);
  });
});

describe('alert rules', () => {
  const anchors = anchorsOf(read(RUNBOOK));

  it('parses every rule with an expression, a severity and a runbook link', () => {
    expect(rules.length).toBe((read(ALERTS).match(/^\s*- alert:/gm) ?? []).length);
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const r of rules) {
      expect(r.expr, r.alert).not.toBe('');
      expect(['critical', 'warning'], r.alert).toContain(r.severity);
      expect(r.runbookUrl, r.alert).toMatch(/^docs\/operations\.md#[a-z0-9-]+$/);
    }
  });

  it('every runbook link points at a section of docs/operations.md', () => {
    const missing = rules.filter((r) => !anchors.has((r.runbookUrl ?? '').split('#')[1] ?? '')).map((r) => `${r.alert} → ${r.runbookUrl}`);
    expect(missing).toEqual([]);
  });

  it('covers what ops must act on (architecture §4 metrics)', () => {
    const names = new Set(rules.map((r) => r.alert));
    for (const name of [
      'OfdGatewayDown',
      'OfdNoAcksWithConnections',
      'OfdAckLatencyHigh',
      'OfdProtocolErrorSpike',
      'OfdRedisDisconnected',
      'OfdEnqueueFailures',
      'OfdQueueBacklogGrowing',
      'OfdPersistStalled',
      'OfdDeadLetterDocuments',
      'OfdFnsForwardingFailed',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
    expect(names.size).toBe(rules.length);
  });

  it('selects only scrape jobs that prometheus.yml defines (plus ofd-all, the all-roles process)', () => {
    const jobs = new Set([...read(PROMETHEUS).matchAll(/job_name:\s*(\S+)/g)].map((m) => m[1] as string));
    jobs.add('ofd-all');
    const selected = [...read(ALERTS).matchAll(/\bjob=~?"([^"]+)"/g)].flatMap((m) => (m[1] as string).split('|'));
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.filter((j) => j !== 'ofd-.*' && !jobs.has(j))).toEqual([]);
  });
});

describe('grafana dashboard', () => {
  it('uses the provisioned datasource everywhere', () => {
    const uid = /^\s*uid:\s*(\S+)/m.exec(read(DATASOURCE))?.[1];
    expect(uid).toBeTruthy();
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource?.uid, p.title).toBe(uid);
      for (const t of p.targets ?? []) expect(t.datasource?.uid ?? uid, p.title).toBe(uid);
    }
  });

  it('has unique panel ids, non-empty queries with unique refIds, and fits the 24-column grid', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
      for (const t of p.targets ?? []) expect(t.expr.trim(), p.title).not.toBe('');
    }
  });

  it('shows the panels the runbook refers to', () => {
    const exprs = dashboardExprs.join('\n');
    for (const needle of [
      'ofd_gateway_connections',
      'ofd_gateway_messages_total',
      'ofd_gateway_acks_total',
      'ofd_gateway_ack_latency_seconds_bucket',
      'ofd_gateway_protocol_errors_total',
      'code="14"',
      'ofd_queue_jobs',
      'ofd_documents_persisted_total',
      'ofd_forward_total',
      'ofd_forward_latency_seconds_bucket',
      'result="dead"',
      'ofd_gateway_enqueue_latency_seconds_bucket',
      'ofd_gateway_enqueue_failures_total',
      'ofd_gateway_redis_connected',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(exprs, needle).toContain(needle);
    }
  });
});
