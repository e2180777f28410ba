// The rule table as data: every code documented and used once, every rule described in both languages, and the
// dictionary-derived lists still matching the TSV they were read from.
import { describe, expect, it } from 'vitest';
import { TAG_ROWS, tagDef, tagForJsonName } from '../../../../protocol/tags/index.js';
import { rulesFor } from '../../../../src/gateway/flk/check-document.js';
import { FlkCodes } from '../../../../src/gateway/flk/codes.js';
import { DOCUMENT_LEVEL_105_MARKERS, DOCUMENT_LEVEL_12_ONLY, ITEM_LEVEL_105_MARKERS, ITEM_LEVEL_12_ONLY } from '../../../../src/gateway/flk/ffd-version.js';
import { REQUIRED_FIELDS } from '../../../../src/gateway/flk/required-fields.js';
import { FIXED_WIDTH_CHECKED, RULES } from '../../../../src/gateway/flk/rules.js';
import { FISCAL_FORMS } from '../../../../src/gateway/flk/types.js';

describe('rule table', () => {
  it('has exactly one rule per code in FlkCodes, and no code outside it', () => {
    expect(RULES.map((r) => r.code).sort()).toEqual(Object.values(FlkCodes).sort());
  });

  it('describes every rule in Russian and English, and limits it to fiscal forms', () => {
    for (const r of RULES) {
      expect(r.description.ru, r.code).toMatch(/[а-яё]/i);
      expect(r.description.en, r.code).toMatch(/^[\x20-\x7e’–×Σ]+$/);
      expect(r.forms.length, r.code).toBeGreaterThan(0);
      for (const f of r.forms) expect(FISCAL_FORMS, r.code).toContain(f);
      expect(r.ffd.length, r.code).toBeGreaterThan(0);
    }
  });

  it('runs no rule for the operator ack (7) or the marking forms (81–84)', () => {
    for (const form of [7, 81, 82, 83, 84]) expect(rulesFor(form, '1.2')).toEqual([]);
  });

  it('runs only version-independent rules when 1209 is unknown', () => {
    for (const r of rulesFor(3, undefined)) expect(r.ffd).toEqual(['1.0', '1.05', '1.1', '1.2']);
    expect(rulesFor(3, undefined).map((r) => r.code)).not.toContain(FlkCodes.FLK_VAT_SUM);
  });
});

describe('tables read from the tag dictionary', () => {
  it('mandatory fields name the tags the TSV gives those JSON names', () => {
    for (const r of REQUIRED_FIELDS) {
      const parent = r.level === 'item' ? 1059 : r.forms[0];
      expect(tagForJsonName(r.field, parent), `${r.field}`).toBe(r.tag);
      // A tag is never required in a version the TSV says it does not exist in.
      for (const v of r.ffd) expect(tagDef(r.tag)!.ffdVersions, `${r.tag} in ${v}`).toContain(v);
    }
  });

  it('version markers and 1.2-only lists name real tags with their TSV versions', () => {
    for (const t of [...DOCUMENT_LEVEL_105_MARKERS, ...ITEM_LEVEL_105_MARKERS]) {
      expect(tagDef(t.tag)!.jsonName).toBe(t.field);
      expect(tagDef(t.tag)!.ffdVersions).not.toContain('1.0');
    }
    for (const t of [...DOCUMENT_LEVEL_12_ONLY, ...ITEM_LEVEL_12_ONLY]) expect(tagDef(t.tag)!.ffdVersions).toEqual(['1.2']);
    expect(DOCUMENT_LEVEL_12_ONLY.map((t) => t.tag)).toEqual(expect.arrayContaining([1256, 1261, 1270, 1290, 2107]));
    expect(ITEM_LEVEL_12_ONLY.map((t) => t.tag)).toEqual(expect.arrayContaining([1163, 1260, 1291, 2108, 2115]));
  });

  it('FLK_FIELD_LENGTH covers every fixed-width string of the TSV but 1041 (FLK_FN_NUMBER) and 1308 (width disputed)', () => {
    const fixedStrings = TAG_ROWS.filter((r) => r.padding === 'fixed' && r.type === 'string').map((r) => r.tag);
    expect([...Object.values(FIXED_WIDTH_CHECKED), 1041, 1308].sort()).toEqual([...fixedStrings].sort());
    for (const [field, tag] of Object.entries(FIXED_WIDTH_CHECKED)) expect(tagDef(tag)!.jsonName).toBe(field);
  });
});
