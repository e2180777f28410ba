import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENT_FORMS,
  formCode,
  formName,
  isDocumentForm,
  jsonNameFor,
  SHARED_JSON_NAMES,
  TAG_ROWS,
  tagDef,
  tagForJsonName,
} from '../../../protocol/tags/index.js';
import { generateTagsModule, parseFfdVersions, parseParents } from '../../../scripts/gen-tags.js';

const root = new URL('../../../', import.meta.url);
const tsv = readFileSync(new URL('protocol/tags/ffd-tags.tsv', root), 'utf8');

/** The TSV row of `tag`, split here without the generator's parser. */
function tsvRow(tag: number): string[] {
  const line = tsv.split('\n').find((l) => l.startsWith(`${tag}\t`));
  if (!line) throw new Error(`tag ${tag} not in the TSV`);
  return line.split('\t');
}

describe('tag dictionary: generated table', () => {
  it('tags.generated.ts is exactly what `npm run gen:tags` makes of ffd-tags.tsv', () => {
    const onDisk = readFileSync(new URL('protocol/tags/tags.generated.ts', root), 'utf8');
    expect(onDisk).toBe(generateTagsModule(tsv));
  });

  it('says in its header that it is generated, and from what', () => {
    const head = readFileSync(new URL('protocol/tags/tags.generated.ts', root), 'utf8').split('\n')[0];
    expect(head).toMatch(/GENERATED/);
    expect(head).toContain('protocol/tags/ffd-tags.tsv');
    expect(head).toContain('scripts/gen-tags.ts');
  });

  it('has one entry per TSV row, nameless rows included', () => {
    const rows = tsv.trimEnd().split('\n').length - 1;
    expect(TAG_ROWS).toHaveLength(rows);
    expect(tagDef(1003)).toMatchObject({ tag: 1003, jsonName: undefined, type: 'string', maxLength: 256 });
  });

  it.each([1020, 1077, 1136, 1174, 1059, 1012, 2000, 1245, 1162, 1300, 1196])(
    'row %i matches the TSV text column by column',
    (tag) => {
      const [t, json, russian, type, maxLen, padding, , , repeatable] = tsvRow(tag);
      const def = tagDef(tag)!;
      expect(def.tag).toBe(Number(t));
      expect(def.jsonName).toBe(json === '' ? undefined : json);
      expect(def.russianName).toBe(russian);
      expect(def.type).toBe(type);
      expect(def.maxLength).toBe(maxLen === '' ? undefined : Number(maxLen));
      expect(def.padding).toBe(padding === '' ? undefined : padding);
      expect(def.repeatable).toBe(repeatable === 'yes');
    },
  );

  it('parses parents: lists, ranges, "all docs", "all fiscal docs", "82(2007)"', () => {
    expect(tagDef(1136)!.parents).toEqual({
      tags: [1129, 1130, 1131, 1132, 1145, 1146, 1232, 1233],
      allDocs: false,
      allFiscalDocs: false,
    });
    expect(tagDef(1012)!.parents).toEqual({ tags: [], allDocs: true, allFiscalDocs: false });
    expect(tagDef(1040)!.parents).toEqual({ tags: [7], allDocs: true, allFiscalDocs: false });
    expect(tagDef(1077)!.parents).toEqual({ tags: [], allDocs: false, allFiscalDocs: true });
    expect(tagDef(2000)!.parents.tags).toEqual([81, 2007]);
    expect(parseParents('')).toEqual({ tags: [], allDocs: false, allFiscalDocs: false });
    expect(() => parseParents('1,x')).toThrow(/unreadable parent/);
  });

  it('parses FFD versions', () => {
    expect(parseFfdVersions('1.0+')).toEqual(['1.0', '1.05', '1.1', '1.2']);
    expect(parseFfdVersions('1.1+')).toEqual(['1.1', '1.2']);
    expect(parseFfdVersions('1.0 only')).toEqual(['1.0']);
    expect(parseFfdVersions('1.05/1.1')).toEqual(['1.05', '1.1']);
    expect(parseFfdVersions('1.2 (amend.)')).toEqual(['1.2']);
    expect(parseFfdVersions('')).toEqual([]);
    expect(() => parseFfdVersions('2.0')).toThrow(/unknown FFD version/);
    expect(tagDef(1162)!.ffdVersions).toEqual(['1.05', '1.1']);
  });

  it('the generator refuses a type the TagType union does not name', () => {
    const bad = tsv.replace(/^1020\ttotalSum\t([^\t]*)\tvln/m, '1020\ttotalSum\t$1\tmoney');
    expect(() => generateTagsModule(bad)).toThrow(/unknown type "money"/);
  });
});

describe('document forms (§4)', () => {
  const spec: Array<[number, string]> = [
    [1, 'fiscalReport'], [11, 'fiscalReportCorrection'], [2, 'openShift'], [21, 'currentStateReport'],
    [3, 'receipt'], [31, 'receiptCorrection'], [4, 'bso'], [41, 'bsoCorrection'], [5, 'closeShift'],
    [6, 'closeArchive'], [7, 'operatorAck'],
  ];

  it.each(spec)('form %i is %s, both ways', (code, name) => {
    expect(formName(code)).toBe(name);
    expect(formCode(name)).toBe(code);
    expect(isDocumentForm(code)).toBe(true);
  });

  it('names the marking forms 81–84, which have no FNS name, form<code>', () => {
    for (const code of [81, 82, 83, 84]) {
      expect(formName(code)).toBe(`form${code}`);
      expect(formCode(`form${code}`)).toBe(code);
    }
  });

  it('lists exactly the forms of §4', () => {
    expect([...DOCUMENT_FORMS].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 11, 21, 31, 41, 81, 82, 83, 84]);
    expect(formName(1020)).toBeUndefined();
    expect(formCode('totalSum')).toBeUndefined();
  });
});

describe('field names by parent (§5)', () => {
  it.each([
    ['totalSum', 1020, 3, 1201, 1129],
    ['prepaidSum', 1215, 31, 1218, 1145],
    ['creditSum', 1216, 4, 1219, 1146],
    ['provisionSum', 1217, 41, 1220, 1132],
    ['dateTime', 1012, 7, 1273, 1270],
  ])('%s is %i at document level (form %i) and %i inside %i', (name, docTag, form, nestedTag, stlv) => {
    expect(tagForJsonName(name, form)).toBe(docTag);
    expect(tagForJsonName(name, undefined)).toBe(docTag);
    expect(tagForJsonName(name, stlv)).toBe(nestedTag);
    expect(jsonNameFor(docTag, form)).toBe(name);
    expect(jsonNameFor(nestedTag, stlv)).toBe(name);
    // Out of place, the name would read back as the twin: no name, so the codec keeps the TLV raw.
    expect(jsonNameFor(nestedTag, form)).toBeUndefined();
    expect(jsonNameFor(docTag, stlv)).toBeUndefined();
  });

  it('totalSum inside 1232 (listed for 1201 only) still means the nested 1201; prepaidSum there means 1218', () => {
    expect(tagForJsonName('totalSum', 1232)).toBe(1201);
    expect(tagForJsonName('prepaidSum', 1232)).toBe(1218);
  });

  it('receiptCorrection as a field is always 1133; form 31 is only a wrapper key', () => {
    expect(tagForJsonName('receiptCorrection', 1157)).toBe(1133);
    expect(tagForJsonName('receiptCorrection', 31)).toBe(1133);
    expect(jsonNameFor(1133, 1157)).toBe('receiptCorrection');
    expect(jsonNameFor(31, 3)).toBeUndefined();
    expect(tagForJsonName('receipt', 3)).toBeUndefined();
  });

  it('1174 has the FNS name with a Cyrillic "с"; the Latin spelling is accepted on input', () => {
    expect(jsonNameFor(1174, 31)).toBe('\u0441orrectionBase');
    expect(tagForJsonName('\u0441orrectionBase', 31)).toBe(1174);
    expect(tagForJsonName('correctionBase', 31)).toBe(1174);
  });

  it('gives no name to tags without one or outside the dictionary', () => {
    expect(jsonNameFor(1058, 1)).toBeUndefined();
    expect(jsonNameFor(9999, 3)).toBeUndefined();
    expect(tagForJsonName('noSuchField', 3)).toBeUndefined();
  });

  it('SHARED_JSON_NAMES covers exactly the field names the TSV uses twice', () => {
    const seen = new Map<string, number>();
    const twice = new Set<string>();
    for (const line of tsv.trimEnd().split('\n').slice(1)) {
      const [tag, name] = line.split('\t');
      if (!name || Number(tag) < 1000) continue;
      if (seen.has(name)) twice.add(name);
      seen.set(name, Number(tag));
    }
    expect(new Set(SHARED_JSON_NAMES.keys())).toEqual(twice);
  });

  // Every context the codec meets: each form, and each STLV tag as a parent.
  const parents = [...DOCUMENT_FORMS, ...TAG_ROWS.filter((r) => r.type === 'stlv' && r.tag >= 1000).map((r) => r.tag)];

  it('a name given under a parent always reads back as the same tag there (decode → encode never swaps tags)', () => {
    for (const { tag } of TAG_ROWS) {
      for (const p of parents) {
        const name = jsonNameFor(tag, p);
        if (name !== undefined) expect([tag, p, tagForJsonName(name, p)]).toEqual([tag, p, tag]);
      }
    }
  });

  it('every named tag has its FNS name under every parent the TSV lists for it', () => {
    for (const r of TAG_ROWS) {
      if (r.jsonName === undefined || r.tag < 1000) continue;
      const where = [...r.parents.tags, ...(r.parents.allDocs || r.parents.allFiscalDocs ? DOCUMENT_FORMS : [])];
      for (const p of where) expect([r.tag, p, jsonNameFor(r.tag, p)]).toEqual([r.tag, p, r.jsonName]);
    }
  });
});
