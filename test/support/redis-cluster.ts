// A private Redis Cluster for tests: N masters with one replica each, every node a redis-server on a free 127.0.0.1
// port with its own directory (AOF on, nodes.conf), joined by `redis-cli --cluster create`. A node can be SIGKILLed and
// started again on the same port and directory: it rejoins from its nodes.conf (as the replica of whoever took over).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedisProcess, type RedisProcess } from './redis-process.js';

const run = promisify(execFile);

export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** The master's id, for a replica. */
  readonly masterId: string | undefined;
  readonly failed: boolean;
  /** Slot ranges served, for a master: [from, to] inclusive. */
  readonly slots: ReadonlyArray<readonly [number, number]>;
}

export interface RedisCluster {
  readonly nodes: readonly RedisProcess[];
  /** redis+cluster://127.0.0.1:p1,… (every node a seed). */
  readonly url: string;
  /** `CLUSTER NODES` as seen by the node on `viaPort` (default: the first live one). */
  topology(viaPort?: number): Promise<ClusterNodeInfo[]>;
  /** The master serving `slot` now, as the live nodes see it. */
  masterOfSlot(slot: number): Promise<ClusterNodeInfo | undefined>;
  /** `CLUSTER KEYSLOT key`, Redis's own answer. */
  keySlot(key: string): Promise<number>;
  /**
   * Resolves once every live node reports cluster_state:ok, every live replica is linked to its master, and (if `slot`
   * is given) the live nodes agree on its master.
   */
  waitHealthy(timeoutMs: number, slot?: number): Promise<void>;
  node(port: number): RedisProcess;
  cleanup(): Promise<void>;
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** True when this redis-server can run in cluster mode (Debian's can); the test skips otherwise. */
export async function redisClusterSupported(): Promise<{ ok: boolean; reason: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ofd-cluster-probe-'));
  let probe: RedisProcess | undefined;
  try {
    probe = await startRedisProcess({ args: ['--cluster-enabled', 'yes', '--dir', dir], startTimeoutMs: 5000 });
    const info = await redisCli(probe.port, 'INFO', 'cluster');
    return /cluster_enabled:1/.test(info) ? { ok: true, reason: '' } : { ok: false, reason: `redis-server ignores --cluster-enabled: ${info.trim()}` };
  } catch (e) {
    return { ok: false, reason: `redis-server or redis-cli cannot run a cluster here: ${(e as Error).message}` };
  } finally {
    await probe?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseNodes(text: string): ClusterNodeInfo[] {
  return text.trim().split('\n').filter(Boolean).map((line) => {
    const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
    const port = Number(/:(\d+)@/.exec(address)?.[1]);
    const flagList = flags.split(',');
    return {
      id,
      port,
      role: flagList.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? undefined : master,
      failed: flagList.includes('fail') || flagList.includes('fail?') || flagList.includes('noaddr'),
      slots: slots.filter((s) => /^\d/.test(s)).map((s) => {
        const [from, to] = s.split('-').map(Number);
        return [from!, to ?? from!] as const;
      }),
    };
  });
}

export async function startRedisCluster(o: { masters?: number; nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
  const masters = o.masters ?? 3;
  const dirs: string[] = [];
  const nodes: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters * 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'ofd-cluster-node-'));
      dirs.push(dir);
      // startRedisProcess restarts a node on its own port, where the others expect it (nodes.conf keeps the topology).
      nodes.push(await startRedisProcess({
        args: [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf',
          '--cluster-node-timeout', String(o.nodeTimeoutMs ?? 1000),
          '--appendonly', 'yes',
          '--appendfsync', 'everysec',
          '--dir', dir,
          '--maxmemory-policy', 'noeviction',
        ],
      }));
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const live = async (): Promise<number[]> => {
    const ports: number[] = [];
    for (const n of nodes) {
      if (await redisCli(n.port, 'PING').then((r) => r.trim() === 'PONG', () => false)) ports.push(n.port);
    }
    return ports;
  };

  const cluster: RedisCluster = {
    nodes,
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    async topology(viaPort) {
      const port = viaPort ?? (await live())[0];
      if (port === undefined) throw new Error('no live cluster node');
      return parseNodes(await redisCli(port, 'CLUSTER', 'NODES'));
    },
    async masterOfSlot(slot) {
      const topology = await cluster.topology();
      return topology.find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
    },
    async keySlot(key) {
      return Number((await redisCli(nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key)).trim());
    },
    async waitHealthy(timeoutMs, slot) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        const ports = await live();
        const states = await Promise.all(ports.map((p) => redisCli(p, 'CLUSTER', 'INFO').catch(() => '')));
        let agreed = true;
        if (slot !== undefined) {
          const owners = await Promise.all(ports.map(async (p) => {
            const t = parseNodes(await redisCli(p, 'CLUSTER', 'NODES').catch(() => ''));
            return t.find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b))?.id;
          }));
          agreed = owners.every((id) => id !== undefined && id === owners[0]);
        }
        // Every replica linked to its master: until then a WAIT for one replica answers 0.
        const replication = await Promise.all(ports.map((p) => redisCli(p, 'INFO', 'replication').catch(() => '')));
        const linked = replication.every((r) => !/role:slave/.test(r) || /master_link_status:up/.test(r));
        if (ports.length > 0 && agreed && linked && states.every((s) => /cluster_state:ok/.test(s))) return;
        last = `${states.map((s) => /cluster_state:\w+/.exec(s)?.[0]).join(', ')}; replicas linked: ${linked}`;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Redis Cluster not healthy after ${timeoutMs} ms (${last})`);
    },
    node(port) {
      const n = nodes.find((x) => x.port === port);
      if (!n) throw new Error(`no cluster node on ${port}`);
      return n;
    },
    async cleanup() {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
