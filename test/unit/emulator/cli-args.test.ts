import { describe, expect, it } from 'vitest';
import { parseEmulateArgs } from '../../../src/cli/commands/emulate.js';
import { parseReplayArgs } from '../../../src/cli/commands/replay.js';
import { validateEmulatorOptions, DEFAULT_EMULATOR_OPTIONS } from '../../../src/emulator/run-emulator.js';

describe('ofd emulate options', () => {
  it('maps the command line onto emulator options, leaving the rest to the defaults', () => {
    const { options } = parseEmulateArgs(
      ['-n', '1000', '--rate', '10000', '--duration', '60', '--keep-alive', '--seed', 'b', '--tamper-rate', '0.01', '--record', 'out', '--record-hex', '--start', '2026-11-20T08:00:00'],
      {},
    );
    expect(options).toEqual({
      registers: 1000,
      rate: 10000,
      durationMs: 60_000,
      documentsPerRegister: Infinity,
      keepAlive: true,
      seed: 'b',
      tamperRate: 0.01,
      recordDir: 'out',
      recordFormat: 'hex',
      startTime: Date.UTC(2026, 10, 20, 8) / 1000,
    });
  });

  it('takes the port, key and INN from the environment when not given', () => {
    const { options } = parseEmulateArgs([], { OFD_GATEWAY_PORT: '4100', OFD_DEVSIGN_KEY: 'k', OFD_INN: '7707083893' });
    expect(options).toEqual({ port: 4100, masterKey: 'k', ofdInn: '7707083893' });
    expect(parseEmulateArgs(['--port', '4200'], { OFD_GATEWAY_PORT: '4100' }).options.port).toBe(4200);
  });

  it.each([
    [['--registers', '0']],
    [['--registers', '1.5']],
    [['--port', 'x']],
    [['--tamper-rate', '2']],
    [['--start', '2026-02-30T00:00:00']],
    [['--unknown']],
    [['positional']],
  ])('refuses %j as a usage error', (argv) => {
    expect(() => parseEmulateArgs(argv, {})).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
  });

  it('needs an end: an endless run without a duration is refused', () => {
    expect(() => validateEmulatorOptions({ ...DEFAULT_EMULATOR_OPTIONS, documentsPerRegister: Infinity })).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
  });
});

describe('ofd replay options', () => {
  it('reads the target and options', () => {
    expect(parseReplayArgs(['dir', '--port', '4001', '--crypto', 'none', '--keep-alive'], {})).toEqual({
      target: 'dir',
      options: { port: 4001, crypto: 'none', keepAlive: true },
      help: false,
    });
  });

  it('refuses an unknown crypto mode and two targets', () => {
    expect(() => parseReplayArgs(['a', '--crypto', 'pkz'], {})).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
    expect(() => parseReplayArgs(['a', 'b'], {})).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
  });
});
