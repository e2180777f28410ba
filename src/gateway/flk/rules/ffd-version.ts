/** The FFD version rule (FLK_FFD_VERSION). Sources and policy: rules.ts. */
import { FlkCodes } from '../codes.js';
import { DOCUMENT_LEVEL_105_MARKERS, DOCUMENT_LEVEL_12_ONLY, ITEM_LEVEL_105_MARKERS, ITEM_LEVEL_12_ONLY, type VersionedTag } from '../ffd-version.js';
import { isObject, itemPath, itemsOf, type JsonObject } from '../fields.js';
import { ALL_FFD, FISCAL_FORMS, type Finding, type FlkDocument, type FlkRule, type RuleContext } from '../types.js';
import { push, show } from './finding.js';

// ---- FLK_FFD_VERSION ----------------------------------------------------------------------------------------------
// §1.1 and TSV 1209: the version comes from 1209 (1 = 1.0 … 4 = 1.2); 1209 is a 1.05+ tag present in every 1.05+
// document. TSV ffd_versions: tags marked "1.2" did not exist before FFD 1.2.
// Not checked (A): tags the TSV marks "1.0 only" or "1.05/1.1" inside newer documents — the TSV notes that some of those
// numbers are being reused by 2025 amendments (1115, 1119, 1120), and a register carrying 1197 next to 2108 is harmless.

function presentTag(obj: JsonObject, tags: readonly VersionedTag[]): VersionedTag | undefined {
  for (const t of tags) if (obj[t.field] !== undefined) return t;
  return undefined;
}

function firstVersionMarker(doc: FlkDocument): VersionedTag | undefined {
  const found = presentTag(doc, DOCUMENT_LEVEL_105_MARKERS) ?? presentTag(doc, DOCUMENT_LEVEL_12_ONLY);
  if (found) return found;
  for (const item of itemsOf(doc)) {
    if (!isObject(item)) continue;
    const inItem = presentTag(item, ITEM_LEVEL_105_MARKERS) ?? presentTag(item, ITEM_LEVEL_12_ONLY);
    if (inItem) return inItem;
  }
  return undefined;
}

function checkFfdVersion(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const declared = doc.fiscalDocumentFormatVer;
  if (ctx.ffd === undefined) {
    return [{ field: 'fiscalDocumentFormatVer', message: `1209 = ${show(declared)} is no FFD version (1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2)` }];
  }
  let out: Finding[] | undefined;
  if (declared === undefined || declared === null) {
    const marker = firstVersionMarker(doc);
    if (marker) {
      out = push(out, { field: 'fiscalDocumentFormatVer', message: `1209 is missing, but the document carries ${marker.tag} ${marker.field}, which FFD 1.0 does not have` });
    }
  }
  if (ctx.ffd !== '1.2') {
    for (const t of DOCUMENT_LEVEL_12_ONLY) {
      if (doc[t.field] !== undefined) out = push(out, { field: t.field, message: `${t.tag} exists only in FFD 1.2; the document is FFD ${ctx.ffd}` });
    }
    const items = itemsOf(doc);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!isObject(item)) continue;
      for (const t of ITEM_LEVEL_12_ONLY) {
        if (item[t.field] !== undefined) out = push(out, { field: itemPath(i, t.field), message: `${t.tag} exists only in FFD 1.2; the document is FFD ${ctx.ffd}` });
      }
    }
  }
  return out;
}

export const FFD_VERSION_RULE: FlkRule = {
  code: FlkCodes.FLK_FFD_VERSION,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Номер версии ФФД (1209): неизвестное значение, отсутствует при реквизитах ФФД 1.05+, или реквизиты только ФФД 1.2 в документе более ранней версии',
    en: 'FFD version (1209): unknown value, missing while FFD 1.05+ tags are present, or FFD 1.2-only tags in an older document',
  },
  check: checkFfdVersion,
};
