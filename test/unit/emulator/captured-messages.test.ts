import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageBytes, readCapturedMessages, splitMessages } from '../../../src/replay/captured-messages.js';
import { fixtureHex, syntheticMessage } from '../../support/fixtures.js';

const probe = fixtureHex('vectors/probe_oism_82A2_empty.hex');

function dir(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ofd-replay-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(d, name), content);
  return d;
}

describe('captured messages for ofd replay', () => {
  it('reads hex text with any whitespace, and raw bytes', () => {
    const msg = syntheticMessage();
    const hex = msg.toString('hex').replace(/(.{32})/g, '$1\n  ');
    expect(messageBytes('x.hex', Buffer.from(hex)).equals(msg)).toBe(true);
    expect(messageBytes('x', Buffer.from(hex)).equals(msg)).toBe(true);
    expect(messageBytes('x.bin', msg).equals(msg)).toBe(true);
    expect(messageBytes('x', msg).equals(msg)).toBe(true);
  });

  it('splits messages that follow each other, probes included', () => {
    const msg = syntheticMessage();
    const parts = splitMessages('f', Buffer.concat([msg, probe, msg]));
    expect(parts.map((p) => [p.index, p.frame.header.bodyLength])).toEqual([
      [0, msg.length - 30],
      [1, 0],
      [2, msg.length - 30],
    ]);
  });

  it('refuses what is not a sequence of whole messages', () => {
    expect(() => splitMessages('f', syntheticMessage().subarray(0, 100))).toThrow(expect.objectContaining({ code: 'CLI_BAD_INPUT' }));
    expect(() => splitMessages('f', Buffer.from('hello'))).toThrow(expect.objectContaining({ code: 'CLI_BAD_INPUT' }));
    expect(() => splitMessages('f', Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'CLI_BAD_INPUT' }));
    expect(() => messageBytes('f.hex', Buffer.from('abc'))).toThrow(expect.objectContaining({ code: 'CLI_BAD_INPUT' }));
  });

  it('reads a directory in name order with numbers compared as numbers, skipping the expected JSON', async () => {
    const d = dir({
      '9999-10.hex': probe.toString('hex'),
      '9999-9.bin': probe,
      '9999-9.json': '{}',
      '9999-1.hex': syntheticMessage().toString('hex'),
      '.hidden': 'x',
    });
    const messages = await readCapturedMessages(d);
    expect(messages.map((m) => path.basename(m.file))).toEqual(['9999-1.hex', '9999-9.bin', '9999-10.hex']);
  });

  it('names a missing path and an empty directory', async () => {
    await expect(readCapturedMessages('/nonexistent/path')).rejects.toMatchObject({ code: 'CLI_BAD_INPUT' });
    await expect(readCapturedMessages(dir({ 'a.json': '{}' }))).rejects.toMatchObject({ code: 'CLI_BAD_INPUT' });
  });
});
