/**
 * The KKT and FN models of an application against the known models (known-models.ts): an unknown model is a warning
 * (that list is incomplete; the FNS checks its own register), a combination the FFD rules forbid is a refusal. Each
 * finding names the request field, so the cabinet can put it under the right input.
 */
import { KNOWN_FN_FAMILIES, KNOWN_KKT_MODELS, type KnownFnFamily } from './known-models.js';

export interface ModelFinding {
  readonly path: 'body.kkt.model' | 'body.fn.model';
  readonly severity: 'error' | 'warning';
  readonly issue: 'MODEL_UNKNOWN' | 'FN_FFD_UNSUPPORTED';
  readonly message: string;
}

/** Case, ё/е, quotes, dashes and spacing do not tell models apart. */
export function normalizeModel(s: string): string {
  return s
    .toLowerCase()
    .replaceAll('ё', 'е')
    .replace(/[«»"'“”„]/g, '')
    .replace(/[‐-―−]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

const KKT_INDEX = new Map<string, string>(
  KNOWN_KKT_MODELS.flatMap((m) => [m.name, ...(m.aliases ?? [])].map((n) => [normalizeModel(n).replace(/[\s-]/g, ''), m.name] as const)),
);

/** The register's name of a KKT model, when it is one we know. */
export function knownKktModel(model: string): string | undefined {
  return KKT_INDEX.get(normalizeModel(model).replace(/[\s-]/g, ''));
}

/** The FN family a model name belongs to: the family token not followed by more version characters. */
export function fnFamilyOf(model: string): KnownFnFamily | undefined {
  const m = normalizeModel(model).replace(/фн\s*-?\s*/g, 'фн-');
  return KNOWN_FN_FAMILIES.find((f) => new RegExp(`${normalizeModel(f.family).replaceAll('.', '\\.')}(?![.\\dм])`, 'u').test(m));
}

export function checkModels(a: { kkt: { model: string }; fn: { model: string }; modes?: { markedGoodsSign?: boolean } }): ModelFinding[] {
  const out: ModelFinding[] = [];
  if (!knownKktModel(a.kkt.model)) {
    out.push({
      path: 'body.kkt.model',
      severity: 'warning',
      issue: 'MODEL_UNKNOWN',
      message: `Модели ККТ «${a.kkt.model}» нет в нашем списке известных моделей. Сверьте название с паспортом ККТ: ФНС откажет, если модели нет в реестре ККТ.`,
    });
  }
  const family = fnFamilyOf(a.fn.model);
  if (!family) {
    out.push({
      path: 'body.fn.model',
      severity: 'warning',
      issue: 'MODEL_UNKNOWN',
      message: `Модель ФН «${a.fn.model}» не распознана (ожидается ФН-1, ФН-1.1, ФН-1.1М или ФН-1.2 с исполнением). Сверьте название с паспортом ФН.`,
    });
  } else if (a.modes?.markedGoodsSign && !family.ffd.includes('1.2')) {
    out.push({
      path: 'body.fn.model',
      severity: 'error',
      issue: 'FN_FFD_UNSUPPORTED',
      message: `${family.family} не поддерживает ФФД 1.2, а без него нельзя продавать маркированные товары: нужен ФН-1.1М или ФН-1.2.`,
    });
  }
  return out;
}
