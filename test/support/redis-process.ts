// A private redis-server for tests that stop, kill or restart Redis — never the shared instance the other tests use.
// Bound to 127.0.0.1 on a free port; restartable on the same port (and the same --dir, for persistence tests).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Starts the server (again) on the same port with the same arguments; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops the server and waits for the process to exit. SIGKILL simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal without waiting (SIGSTOP / SIGCONT: a Redis that accepts connections but does not answer). */
  signal(signal: NodeJS.Signals): void;
}

export interface RedisProcessOptions {
  /** Extra redis-server arguments, e.g. ['--appendonly', 'yes', '--dir', dir]. Default: no persistence at all. */
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
// Safety net: a failed test must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedisProcess(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.args ?? [])];
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;

  const handle: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) throw new Error('redis-server already running');
      const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      running.add(proc);
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      proc.once('exit', () => {
        running.delete(proc);
        if (child === proc) child = undefined;
      });
      const deadline = Date.now() + startTimeoutMs;
      while (!(await ping(port))) {
        if (child !== proc) throw new Error(`redis-server exited while starting: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${port} within ${startTimeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop(signal = 'SIGTERM') {
      const proc = child;
      if (!proc) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      // A stopped (SIGSTOP) process only acts on SIGTERM after SIGCONT.
      proc.kill('SIGCONT');
      proc.kill(signal);
      await exited;
    },
    signal(signal) {
      child?.kill(signal);
    },
  };
  await handle.start();
  return handle;
}
