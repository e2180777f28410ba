/**
 * `npm run gen:tags`: protocol/tags/ffd-tags.tsv (the tag dictionary, the project's source of truth) →
 * protocol/tags/tags.generated.ts (a typed, readonly table). protocol/ stays pure: it imports the generated module and
 * never reads the TSV. The parse/render functions are exported so a test can regenerate in memory and detect drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FfdVersion, TagPadding, TagParents, TagRow, TagType } from '../protocol/tags/types.js';

export const TSV_PATH = 'protocol/tags/ffd-tags.tsv';
export const GENERATED_PATH = 'protocol/tags/tags.generated.ts';

const COLUMNS = [
  'tag', 'json_name', 'russian_name', 'type', 'max_len', 'fixed_or_padding', 'ffd_versions', 'parents', 'repeatable',
  'sources', 'notes_conflicts',
] as const;

const TYPES: readonly TagType[] = [
  'byte', 'bool', 'uint16', 'uint32', 'unixtime', 'vln', 'fvln', 'string', 'bytes', 'bitmask8', 'bitmask32', 'stlv',
];
const PADDINGS: readonly TagPadding[] = ['rpad_space', 'fixed', 'rpad_nul'];
const VERSIONS: readonly FfdVersion[] = ['1.0', '1.05', '1.1', '1.2'];

function fail(line: number, msg: string): never {
  throw new Error(`${TSV_PATH}:${line}: ${msg}`);
}

function isVersion(s: string): s is FfdVersion {
  return (VERSIONS as readonly string[]).includes(s);
}

/** "1.0+", "1.05 only", "1.05/1.1", "1.2", "1.2 (amend.)", "" → the versions listed. */
export function parseFfdVersions(text: string, line = 0): FfdVersion[] {
  const s = text.replace(/\s*\(amend\.\)$/, '').replace(/\s+only$/, '');
  if (s === '') return [];
  if (s.endsWith('+')) {
    const from = s.slice(0, -1);
    if (!isVersion(from)) fail(line, `unknown FFD version ${JSON.stringify(text)}`);
    return VERSIONS.slice(VERSIONS.indexOf(from));
  }
  const list = s.split('/');
  for (const v of list) if (!isVersion(v)) fail(line, `unknown FFD version ${JSON.stringify(text)}`);
  return list as FfdVersion[];
}

/**
 * "1,11", "1129-1132,1145", "all docs,7", "all fiscal docs", "81,82(2007)". `82(2007)` reads "inside 82, within 2007":
 * the direct parent, which is what name resolution needs, is 2007.
 */
export function parseParents(text: string, line = 0): TagParents {
  const tags: number[] = [];
  let allDocs = false;
  let allFiscalDocs = false;
  for (const raw of text.split(',')) {
    const t = raw.trim();
    let m: RegExpMatchArray | null;
    if (t === '') continue;
    else if (t === 'all docs') allDocs = true;
    else if (t === 'all fiscal docs') allFiscalDocs = true;
    else if ((m = /^(\d+)$/.exec(t))) tags.push(Number(m[1]));
    else if ((m = /^\d+\((\d+)\)$/.exec(t))) tags.push(Number(m[1]));
    else if ((m = /^(\d+)-(\d+)$/.exec(t))) {
      const from = Number(m[1]);
      const to = Number(m[2]);
      if (to < from) fail(line, `bad parent range ${t}`);
      for (let p = from; p <= to; p++) tags.push(p);
    } else fail(line, `unreadable parent ${JSON.stringify(t)}`);
  }
  return { tags, allDocs, allFiscalDocs };
}

export function parseTagsTsv(text: string): TagRow[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines.shift();
  if (header !== COLUMNS.join('\t')) fail(1, `unexpected header ${JSON.stringify(header)}`);
  const seen = new Set<number>();
  return lines.map((l, i): TagRow => {
    const line = i + 2;
    const c = l.split('\t');
    if (c.length !== COLUMNS.length) fail(line, `${c.length} columns, expected ${COLUMNS.length}`);
    const [tagS, jsonName, russianName, type, maxLen, padding, versions, parents, repeatable] = c as [
      string, string, string, string, string, string, string, string, string,
    ];
    if (!/^\d+$/.test(tagS) || Number(tagS) > 0xffff) fail(line, `bad tag ${JSON.stringify(tagS)}`);
    const tag = Number(tagS);
    if (seen.has(tag)) fail(line, `tag ${tag} listed twice`);
    seen.add(tag);
    if (!(TYPES as readonly string[]).includes(type)) fail(line, `unknown type ${JSON.stringify(type)}`);
    if (maxLen !== '' && !/^\d+$/.test(maxLen)) fail(line, `bad max_len ${JSON.stringify(maxLen)}`);
    if (padding !== '' && !(PADDINGS as readonly string[]).includes(padding)) fail(line, `bad padding ${padding}`);
    if (repeatable !== '' && repeatable !== 'yes') fail(line, `bad repeatable ${JSON.stringify(repeatable)}`);
    if (jsonName !== '' && !/^\S+$/.test(jsonName)) fail(line, `bad json_name ${JSON.stringify(jsonName)}`);
    return {
      tag,
      jsonName: jsonName === '' ? undefined : jsonName,
      russianName,
      type: type as TagType,
      maxLength: maxLen === '' ? undefined : Number(maxLen),
      padding: padding === '' ? undefined : (padding as TagPadding),
      ffdVersions: parseFfdVersions(versions, line),
      parents: parseParents(parents, line),
      repeatable: repeatable === 'yes',
    };
  });
}

const lit = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));

function renderRow(r: TagRow): string {
  const p = r.parents;
  return (
    `  { tag: ${r.tag}, jsonName: ${lit(r.jsonName)}, russianName: ${lit(r.russianName)}, type: ${lit(r.type)}, ` +
    `maxLength: ${lit(r.maxLength)}, padding: ${lit(r.padding)}, ffdVersions: [${r.ffdVersions.map(lit).join(', ')}], ` +
    `parents: { tags: [${p.tags.join(', ')}], allDocs: ${p.allDocs}, allFiscalDocs: ${p.allFiscalDocs} }, ` +
    `repeatable: ${r.repeatable} },`
  );
}

export function renderTagsModule(rows: readonly TagRow[]): string {
  return [
    `// GENERATED — do not edit. Source: ${TSV_PATH}; generator: scripts/gen-tags.ts (\`npm run gen:tags\`).`,
    '// test/unit/protocol/tags.test.ts fails when this file and the TSV drift apart.',
    "import type { TagRow } from './types.js';",
    '',
    'export const TAG_ROWS: readonly TagRow[] = [',
    ...rows.map(renderRow),
    '];',
    '',
  ].join('\n');
}

export function generateTagsModule(tsv: string): string {
  return renderTagsModule(parseTagsTsv(tsv));
}

function main(): void {
  const root = new URL('../', import.meta.url);
  const out = generateTagsModule(readFileSync(new URL(TSV_PATH, root), 'utf8'));
  writeFileSync(new URL(GENERATED_PATH, root), out);
  console.log(`wrote ${GENERATED_PATH}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
