/**
 * Known KKT and fiscal-drive (ФН) models: the data behind the application's model check (model-check.ts).
 *
 * Source and completeness, honestly: the FNS keeps the authoritative «Реестр контрольно-кассовой техники» and «Реестр
 * фискальных накопителей» (nalog.gov.ru → «Реестры и сервисы» → ККТ / ФН; the FNS also serves them as open data). They
 * could not be downloaded where this was written (no network beyond package registries), so this list is typed by hand
 * from model names as manufacturers print them on their passports and as they appear on published receipts. It is a
 * SUBSET — several hundred KKT models are in the real register — so a model missing here only draws a warning, never a
 * refusal; the FNS itself checks the model against its register and refuses with «отсутствует в реестре». Replace or
 * extend it from the FNS's open data (`model`, aliases as printed) when that file is available.
 *
 * What *is* enforced (a refusal naming the field) is only what follows from the FFD rules rather than from this list's
 * completeness: marked goods need FFD 1.2, which only the ФН-1.1М and ФН-1.2 families support.
 */

export interface KnownKktModel {
  /** The name as in the register / the KKT's passport. */
  readonly name: string;
  readonly manufacturer: string;
  /** Other spellings seen on receipts (compared after normalisation). */
  readonly aliases?: readonly string[];
}

export const KNOWN_KKT_MODELS: readonly KnownKktModel[] = [
  { name: 'АТОЛ 1Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 11Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 15Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 20Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 22 v2 Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 25Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 27Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 30Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 42ФС', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 50Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 55Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 60Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 77Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 90Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 91Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ 92Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ Sigma 7Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ Sigma 8Ф', manufacturer: 'АТОЛ' },
  { name: 'АТОЛ Sigma 10Ф', manufacturer: 'АТОЛ' },
  { name: 'Эвотор СТ2Ф', manufacturer: 'Эвотор', aliases: ['Evotor СТ2Ф'] },
  { name: 'Эвотор СТ3Ф', manufacturer: 'Эвотор', aliases: ['Evotor СТ3Ф'] },
  { name: 'Эвотор СТ5Ф', manufacturer: 'Эвотор', aliases: ['Evotor СТ5Ф'] },
  { name: 'ШТРИХ-М-01Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'ШТРИХ-М-02Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'ШТРИХ-ЛАЙТ-01Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'ШТРИХ-ЛАЙТ-02Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'ШТРИХ-ФР-01Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'ШТРИХ-ОНЛАЙН', manufacturer: 'ШТРИХ-М' },
  { name: 'ШТРИХ-МПАЙ-Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'РИТЕЙЛ-01Ф', manufacturer: 'ШТРИХ-М' },
  { name: 'ЭЛВЕС-МФ', manufacturer: 'ШТРИХ-М' },
  { name: 'Меркурий-115Ф', manufacturer: 'Инкотекс' },
  { name: 'Меркурий-130Ф', manufacturer: 'Инкотекс' },
  { name: 'Меркурий-180Ф', manufacturer: 'Инкотекс' },
  { name: 'Меркурий-185Ф', manufacturer: 'Инкотекс' },
  { name: 'Дримкас-Ф', manufacturer: 'Дримкас' },
  { name: 'Viki Print 57 Ф', manufacturer: 'Дримкас', aliases: ['Вики Принт 57 Ф'] },
  { name: 'Viki Print 57 плюс Ф', manufacturer: 'Дримкас' },
  { name: 'Viki Print 80 плюс Ф', manufacturer: 'Дримкас' },
  { name: 'Пирит 2Ф', manufacturer: 'Кристалл Сервис', aliases: ['ПИРИТ 2Ф'] },
  { name: 'Пирит 1Ф', manufacturer: 'Кристалл Сервис', aliases: ['ПИРИТ 1Ф'] },
  { name: 'Азур-01Ф', manufacturer: 'Азур' },
  { name: 'MSPOS-K', manufacturer: 'Мультисофт' },
  { name: 'MSPOS-Е-Ф', manufacturer: 'Мультисофт' },
  { name: 'Касса Ф', manufacturer: 'Дримкас' },
  { name: 'АМС-100Ф', manufacturer: 'Ока' },
  { name: 'Ока-102Ф', manufacturer: 'Ока' },
  { name: 'РП Система 1ФА', manufacturer: 'РП Система' },
  { name: 'Нева 01Ф', manufacturer: 'ИНКОТЕКС' },
];

export interface KnownFnFamily {
  /** The family as the model names contain it: «…фискальный накопитель «ФН-1.1М исполнение Ин15-1М»» → ФН-1.1М. */
  readonly family: string;
  /** FFD versions the family supports. */
  readonly ffd: readonly ('1.0' | '1.05' | '1.1' | '1.2')[];
  /** Key validity periods the family's executions come in, months. */
  readonly validityMonths: readonly number[];
}

/** Longest family first: ФН-1.1М must win over ФН-1.1 and ФН-1. */
export const KNOWN_FN_FAMILIES: readonly KnownFnFamily[] = [
  { family: 'ФН-1.1М', ffd: ['1.05', '1.1', '1.2'], validityMonths: [15, 36] },
  { family: 'ФН-1.2', ffd: ['1.05', '1.1', '1.2'], validityMonths: [15, 36] },
  { family: 'ФН-1.1', ffd: ['1.0', '1.05', '1.1'], validityMonths: [15, 36] },
  { family: 'ФН-1', ffd: ['1.0', '1.05'], validityMonths: [13, 36] },
];
