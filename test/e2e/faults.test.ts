// CI-sized fault test (the full one is `npm run faulttest`): gateway and worker as separate processes, a private AOF
// Redis, a fresh database; 20 registers with a document budget; SIGKILL of the worker and of the gateway (each
// restarted) and a Redis SIGKILL + restart on the same AOF dir under load. Every acknowledged document must be stored
// exactly once and every document must end up acknowledged (the emulator re-sends until it is), and stored as sent:
// its bytes, and what `ofd show` prints of it, compared with what the emulator sent. Both run src/main.ts with the
// default settings: every document acknowledged before the worker's SIGKILL must be stored within 15 s (issue 12).
import { expect, inject, it } from 'vitest';
import { runFaultScenario } from '../../scripts/fault-scenario.js';

it('stores every acknowledged document exactly once across worker, gateway and Redis crashes', { timeout: 120_000 }, async () => {
  const result = await runFaultScenario({
    serverUrl: inject('databaseUrl'),
    registers: 20,
    documentsPerRegister: 50,
    thinkMs: 400,
    faults: ['worker-kill', 'gateway-kill', 'redis-restart'],
    gapMs: 300,
    warmupAcks: 100,
    pgRestart: false,
    timeoutMs: 45_000,
  });
  const context = JSON.stringify({ faults: result.faults, stored: result.stored, emulator: result.emulator });
  expect(result.emulator.aborted, context).toBe(false);
  expect(result.faults.filter((f) => f.recoverySeconds === null).map((f) => f.fault), context).toEqual([]);
  // Recovery with the default lock and stalled check: what the killed worker held is retaken within 15 s of the restart,
  // not left for a minute (the restart itself is the machine's: tsx compiling src/main.ts).
  const workerKill = result.faults.find((f) => f.fault === 'worker-kill');
  expect(workerKill?.allAckedBeforeStoredSeconds, context).not.toBeNull();
  expect(workerKill!.allAckedBeforeStoredSeconds! - workerKill!.restartedSeconds!, context).toBeLessThanOrEqual(15);
  expect(result.acknowledged, context).toBe(result.expectedDocuments);
  expect(result.emulator.unacknowledged, context).toBe(0);
  expect(result.stored.missing, context).toBe(0);
  expect(result.stored.duplicates, context).toBe(0);
  expect(result.stored.unexpected, context).toBe(0);
  expect(result.stored.rows, context).toBe(result.expectedDocuments);
  expect(result.exactlyOnce, context).toBe(true);
  // Nothing changed either: stored bytes of every acknowledged document, and `ofd show` of each, as sent.
  const content = JSON.stringify(result.content);
  expect(result.content.compared, content).toBe(result.expectedDocuments);
  expect(result.content.byteMismatches, content).toBe(0);
  expect(result.content.viewsCompared, content).toBe(result.expectedDocuments);
  expect(result.content.viewMismatches, content).toBe(0);
});
