import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export function fixtureHex(name: string): Buffer {
  return Buffer.from(readFileSync(FIXTURES_DIR + name, 'utf8').replace(/\s+/g, ''), 'hex');
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES_DIR + name, 'utf8')) as T;
}

/** The synthetic session header + the synthetic registration-report container: one whole message (vectors/README). */
export function syntheticMessage(): Buffer {
  return Buffer.concat([
    fixtureHex('vectors/session-header-synthetic.hex'),
    fixtureHex('vectors/container-fiscalReport-synthetic.hex'),
  ]);
}
