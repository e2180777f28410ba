/**
 * Input of `ofd replay`: files of captured messages — hex text (whitespace ignored) or raw bytes, several messages back
 * to back allowed — or a directory of them, read in name order (numbers compared as numbers, so `…-9.bin` comes
 * before `…-10.bin`). The `.json` files `--record` writes beside its fixtures are skipped.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ProtocolError } from '../../protocol/errors.js';
import { Framer, type Frame } from '../../protocol/framer.js';
import { ToolError } from '../emulator/errors.js';

export interface CapturedMessage {
  file: string;
  /** Position of the message in its file (0-based). */
  index: number;
  frame: Frame;
}

/** Extensions that are never messages: expected JSON, notes. */
const SKIPPED = new Set(['.json', '.md', '.txt']);
const HEX_TEXT = /^[0-9a-fA-F\s]*$/;
/** A message is at least a 30-byte header; the framer accepts any announced length up to this. */
const MAX_BODY = 0xffff;

/** Hex text when the file says `.hex` or holds nothing but hex digits and whitespace; raw bytes otherwise. */
export function messageBytes(file: string, content: Buffer): Buffer {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.bin') return content;
  const text = content.toString('latin1');
  if (ext === '.hex' || HEX_TEXT.test(text)) {
    const digits = text.replace(/\s+/g, '');
    if (!HEX_TEXT.test(digits) || digits.length % 2 !== 0) {
      throw new ToolError('CLI_BAD_INPUT', `${file}: not an even number of hex digits`);
    }
    return Buffer.from(digits, 'hex');
  }
  return content;
}

export function splitMessages(file: string, bytes: Buffer): CapturedMessage[] {
  const framer = new Framer({ maxBodyLength: MAX_BODY });
  let frames: Frame[];
  try {
    frames = framer.push(bytes);
    framer.end();
  } catch (e) {
    const why = e instanceof ProtocolError ? `${e.code}: ${e.message}` : String(e);
    throw new ToolError('CLI_BAD_INPUT', `${file}: not a sequence of messages (${why})`, { cause: e });
  }
  if (frames.length === 0) throw new ToolError('CLI_BAD_INPUT', `${file}: no message`);
  return frames.map((frame, index) => ({ file, index, frame }));
}

async function filesOf(target: string): Promise<string[]> {
  let info;
  try {
    info = await stat(target);
  } catch (e) {
    throw new ToolError('CLI_BAD_INPUT', `cannot read ${target}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!info.isDirectory()) return [target];
  const names = (await readdir(target, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith('.') && !SKIPPED.has(path.extname(d.name).toLowerCase()))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length === 0) throw new ToolError('CLI_BAD_INPUT', `${target}: no message files`);
  return names.map((n) => path.join(target, n));
}

export async function readCapturedMessages(target: string): Promise<CapturedMessage[]> {
  const out: CapturedMessage[] = [];
  for (const file of await filesOf(target)) {
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (e) {
      throw new ToolError('CLI_BAD_INPUT', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    out.push(...splitMessages(file, messageBytes(file, content)));
  }
  return out;
}
