/** The register-facing ports' metrics (ofd_gateway_*): both listeners, the loop and the durable enqueue. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** ack latency spans a warm in-memory path (≈0.5 ms) to the registers' ≈3 s give-up point (spec §8). */
const ACK_LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];
/** The durable enqueue is one Redis round trip plus the batching window: tens of µs to the fail-fast limit. */
const ENQUEUE_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3];
/** addBulk carries at most 1000 jobs (chunk limit, dependencies.md). */
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

export interface GatewayMetrics {
  /** ofd_gateway_connections: open register connections (inc on accept, dec on close). */
  readonly connections: Gauge;
  /** ofd_gateway_messages_total{result}: messages handled, by outcome (`accepted`, `flk_failed`, `duplicate`, `rejected`, …). */
  readonly messages: Counter<'result'>;
  /** ofd_gateway_acks_total{code}: acks written, by 1022 ofdResponseCode (0, 11, 14). */
  readonly acks: Counter<'code'>;
  /** ofd_gateway_ack_latency_seconds: first byte of a message → ack written. */
  readonly ackLatency: Histogram;
  /** ofd_gateway_protocol_errors_total{code}: connections closed for protocol garbage, by ProtocolError code. */
  readonly protocolErrors: Counter<'code'>;
  /** ofd_gateway_enqueue_batch_size: jobs per addBulk of the micro-batching producer. */
  readonly enqueueBatchSize: Histogram;
  /** ofd_gateway_enqueue_failures_total{code}: enqueue calls rejected (no ack was sent for them), by QueueError code. */
  readonly enqueueFailures: Counter<'code'>;
  /** ofd_gateway_enqueue_latency_seconds: enqueue call → durable (resolved), the queue's share of the ack latency. */
  readonly enqueueLatency: Histogram;
  /** ofd_gateway_enqueue_pending: enqueue calls waiting for their addBulk; a rising floor means Redis is not keeping up. */
  readonly enqueuePending: Gauge;
  /** ofd_gateway_redis_connected: 1 while the producer's Redis connection is ready; the gateway cannot ack at 0. */
  readonly redisConnected: Gauge;
  /**
   * ofd_gateway_connections_closed_total{listener,reason}: connections the gateway closed or refused, by why
   * (`idle_timeout`, `message_timeout`, `first_byte_timeout`, `write_stalled`, `per_address_cap`, `max_connections`,
   * `protocol_error`, `rejected`, `peer_closed_mid_message`). Peers closing normally are not counted.
   */
  readonly connectionsClosed: Counter<'listener' | 'reason'>;
  /** ofd_gateway_accept_errors_total{listener,code}: accept() failures (EMFILE, ENFILE: out of file descriptors). */
  readonly acceptErrors: Counter<'listener' | 'code'>;
  /**
   * ofd_gateway_pending_write_bytes{listener}: answers written and not yet taken by the peers (sockets' writable
   * buffers), read at scrape time from the sources the listeners add; back-pressure keeps it near 16 KiB a connection.
   */
  addPendingWriteSource(listener: string, bytes: () => number): () => void;
}

/** Registers into `gatewayRegisters` (empty when the role is off: the metrics still count, nobody reads them). */
export function createGatewayMetrics(gatewayRegisters: Registry[]): GatewayMetrics {
  const pendingWriteSources = new Set<{ listener: string; bytes: () => number }>();
  new Gauge({
    name: 'ofd_gateway_pending_write_bytes',
    help: 'Bytes of answers written to register and marking connections and not yet taken by the peer, by listener.',
    labelNames: ['listener'] as const,
    registers: gatewayRegisters,
    collect() {
      this.reset();
      for (const source of pendingWriteSources) this.inc({ listener: source.listener }, source.bytes());
    },
  });
  return {
    connections: new Gauge({ name: 'ofd_gateway_connections', help: 'Open register (KKT) TCP connections.', registers: gatewayRegisters }),
    messages: new Counter({
      name: 'ofd_gateway_messages_total',
      help: 'Messages handled by the gateway, by outcome.',
      labelNames: ['result'] as const,
      registers: gatewayRegisters,
    }),
    acks: new Counter({
      name: 'ofd_gateway_acks_total',
      help: 'Operator acknowledgements written, by response code (tag 1022: 0 accepted, 11 not recognised, 14 FLK failed).',
      labelNames: ['code'] as const,
      registers: gatewayRegisters,
    }),
    ackLatency: new Histogram({
      name: 'ofd_gateway_ack_latency_seconds',
      help: 'Time from the first byte of a message to its acknowledgement being written.',
      buckets: ACK_LATENCY_BUCKETS,
      registers: gatewayRegisters,
    }),
    protocolErrors: new Counter({
      name: 'ofd_gateway_protocol_errors_total',
      help: 'Connections closed because of protocol errors, by error code.',
      labelNames: ['code'] as const,
      registers: gatewayRegisters,
    }),
    ...createEnqueueMetrics(gatewayRegisters),
    connectionsClosed: new Counter({
      name: 'ofd_gateway_connections_closed_total',
      help: 'Register and marking connections closed or refused by the gateway, by listener and reason.',
      labelNames: ['listener', 'reason'] as const,
      registers: gatewayRegisters,
    }),
    addPendingWriteSource(listener, bytes) {
      const entry = { listener, bytes };
      pendingWriteSources.add(entry);
      return () => void pendingWriteSources.delete(entry);
    },
    acceptErrors: new Counter({
      name: 'ofd_gateway_accept_errors_total',
      help: 'Failed accepts on the register and marking ports (EMFILE/ENFILE: out of file descriptors), by listener and code.',
      labelNames: ['listener', 'code'] as const,
      registers: gatewayRegisters,
    }),
  };
}

/** The durable enqueue behind the document port: batches, failures, latency, backlog, Redis link. */
function createEnqueueMetrics(gatewayRegisters: Registry[]) {
  return {
    enqueueBatchSize: new Histogram({
      name: 'ofd_gateway_enqueue_batch_size',
      help: 'Jobs per addBulk call of the micro-batching document producer.',
      buckets: BATCH_SIZE_BUCKETS,
      registers: gatewayRegisters,
    }),
    enqueueFailures: new Counter({
      name: 'ofd_gateway_enqueue_failures_total',
      help: 'Document enqueue calls that were rejected (the document was not acknowledged), by error code.',
      labelNames: ['code'] as const,
      registers: gatewayRegisters,
    }),
    enqueueLatency: new Histogram({
      name: 'ofd_gateway_enqueue_latency_seconds',
      help: 'Time from an enqueue call to its job being durable in Redis (batching window included).',
      buckets: ENQUEUE_LATENCY_BUCKETS,
      registers: gatewayRegisters,
    }),
    enqueuePending: new Gauge({
      name: 'ofd_gateway_enqueue_pending',
      help: 'Enqueue calls waiting for their batch to be written to Redis.',
      registers: gatewayRegisters,
    }),
    redisConnected: new Gauge({
      name: 'ofd_gateway_redis_connected',
      help: '1 while the document producer is connected to Redis, 0 otherwise (no acknowledgements possible).',
      // Summed over the processes of a supervised start it would hide one cut off; the least is the honest figure.
      aggregator: 'min',
      registers: gatewayRegisters,
    }),
  } satisfies Partial<GatewayMetrics>;
}
