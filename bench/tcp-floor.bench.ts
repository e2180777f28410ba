/**
 * `npm run bench:tcp-floor` — what Node.js itself can do on this machine with the gateway's traffic shape, before the
 * gateway does any work: a server that answers every message with a reply of the same size (no parsing, no crypto, no
 * Redis) and N clients that each connect, send, wait for the reply and close (or keep the connection), in a loop.
 * Server in a child process, clients in this one — the layout of `npm run bench:gateway`.
 *
 * Why: the gateway target (issue 3: 10 000 acks/s, a new connection per message, emulator and gateway on the same
 * 2 cores) has to be read against this floor. If a do-nothing server and a do-nothing client cannot reach it, no
 * gateway code can; the gap between this floor and bench:gateway is what the gateway's own work costs.
 *
 * Env: BENCH_CLIENTS (1000), BENCH_SECONDS (10), BENCH_RUNS (3), BENCH_BYTES (message and reply size, 2200 — an average
 * receipt of 10–30 items on the wire; acks are ~200 bytes, the reply here is the same size as the message for
 * simplicity, which only makes the floor slightly pessimistic).
 * Prints per-run and median messages/s and CPU µs per message of each side, for both modes, as JSON.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BYTES = Number(process.env.BENCH_BYTES ?? 2200);

function serve(): void {
  const reply = Buffer.alloc(BYTES, 1);
  const server = net.createServer({ noDelay: true }, (socket) => {
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      while (got >= BYTES) {
        got -= BYTES;
        socket.write(reply);
      }
    });
    socket.on('end', () => socket.end());
    socket.on('error', () => {});
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpuMicros: u.user + u.system });
    }
  });
}

interface Run {
  messagesPerSec: number;
  clientCpuMicrosPerMessage: number;
  serverCpuMicrosPerMessage: number;
}

async function serverCpu(child: ReturnType<typeof fork>): Promise<number> {
  const reply = new Promise<number>((r) => child.once('message', (m: { cpuMicros: number }) => r(m.cpuMicros)));
  child.send('cpu');
  return reply;
}

async function oneRun(keepAlive: boolean): Promise<Run> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { execArgv: process.execArgv, env: { ...process.env } });
  const { port } = await new Promise<{ port: number }>((r) => child.once('message', r as (m: unknown) => void));
  const message = Buffer.alloc(BYTES, 2);
  let done = 0;
  let stop = false;
  const sockets = new Set<net.Socket>();

  function client(): void {
    if (stop) return;
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    sockets.add(socket);
    let got = 0;
    socket.on('connect', () => socket.write(message));
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got < BYTES) return;
      got -= BYTES;
      done++;
      if (keepAlive && !stop) socket.write(message);
      else socket.end();
    });
    socket.on('close', () => {
      sockets.delete(socket);
      client();
    });
    socket.on('error', () => {});
  }

  for (let i = 0; i < CLIENTS; i++) client();
  // One second of warm-up (connections ramping, JIT), then the measured window.
  await new Promise((r) => setTimeout(r, 1000));
  const [done0, cpu0, server0] = [done, process.cpuUsage(), await serverCpu(child)];
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const [done1, cpu1, server1] = [done, process.cpuUsage(cpu0), await serverCpu(child)];
  stop = true;
  for (const s of sockets) s.destroy();
  child.kill();
  const n = done1 - done0;
  return {
    messagesPerSec: Math.round(n / SECONDS),
    clientCpuMicrosPerMessage: Math.round((cpu1.user + cpu1.system) / n),
    serverCpuMicrosPerMessage: Math.round((server1 - server0) / n),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const result: Record<string, unknown> = { clients: CLIENTS, seconds: SECONDS, bytes: BYTES };
  for (const keepAlive of [false, true]) {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await oneRun(keepAlive);
      console.error(JSON.stringify({ keepAlive, run: i, ...r }));
      runs.push(r);
    }
    result[keepAlive ? 'keptAlive' : 'connectionPerMessage'] = {
      medianMessagesPerSec: median(runs.map((r) => r.messagesPerSec)),
      medianClientCpuMicrosPerMessage: median(runs.map((r) => r.clientCpuMicrosPerMessage)),
      medianServerCpuMicrosPerMessage: median(runs.map((r) => r.serverCpuMicrosPerMessage)),
      runs,
    };
  }
  console.log(JSON.stringify(result));
}

if (process.argv[2] === 'serve') serve();
else await main();
