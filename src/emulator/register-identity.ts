/**
 * Who an emulated register is: its fiscal drive (FN) number, KKT serial and registration numbers, owner (INN with valid
 * check digits), shop, address and FFD version. Everything derives from `(seed, index)`, so a fleet is the same on every
 * run with the same seed, and two fleets with different seeds do not share FN numbers (barring a 1-in-10 000 clash of
 * the seed-derived digits).
 */
import { crc16 } from '../../protocol/crc.js';
import { withInnCheckDigits } from '../domain/inn.js';
import { CASHIERS, CITIES, SHOP_NAMES, STREETS, SURNAMES } from './catalogue.js';
import { Prng } from '../domain/prng.js';

export type FfdVersion = '1.05' | '1.2';

export interface RegisterIdentity {
  index: number;
  /** 1041: 16 digits. Emulated drives start with 9999, like the test drives in public captures. */
  fiscalDriveNumber: string;
  /** 1037 without its padding (the codec pads it to 20 with spaces). */
  kktRegId: string;
  /** 1013. */
  kktNumber: string;
  /** 1018: 10 digits for a legal entity, 12 for an individual entrepreneur. */
  userInn: string;
  /** 1048. */
  user: string;
  /** 1009. */
  retailPlaceAddress: string;
  /** 1187. */
  retailPlace: string;
  /** 1117: the shop's e-mail for e-receipts. */
  sellerAddress: string;
  cashiers: readonly string[];
  /** 1062 taxation systems at registration; 1055 on receipts is one of them (bit values: 1 ОСН, 2 УСН доход, 4 УСН д−р, 32 ПСН). */
  taxationType: number;
  appliedTaxationType: number;
  ffd: FfdVersion;
}

/** 1209 values (§1.1). */
export const FFD_FORMAT_VERSION: Readonly<Record<FfdVersion, number>> = { '1.05': 2, '1.2': 4 };
/** P-version bytes of the session header for each FFD (§1.1). */
export const FFD_P_VERSION: Readonly<Record<FfdVersion, number>> = { '1.05': 0x0105, '1.2': 0x0120 };

export interface IdentityOptions {
  seed: string;
  /** Share of registers on FFD 1.2 (the rest 1.05). */
  ffd12Share: number;
}

/** Registers per owner: a company runs several tills, which the cabinet groups by INN. */
const REGISTERS_PER_OWNER = 3;

/** Four digits from the seed, shared by the fleet's FN and registration numbers. */
export function fleetTag(seed: string): string {
  return String(new Prng(`${seed}:fleet`).int(0, 9999)).padStart(4, '0');
}

interface Owner {
  inn: string;
  user: string;
  taxationType: number;
  appliedTaxationType: number;
  region: string;
  city: string;
  shop: string;
}

function makeOwner(seed: string, ownerIndex: number): Owner {
  const r = new Prng(`${seed}:owner:${ownerIndex}`);
  const [region, city] = r.pick(CITIES);
  const taxOffice = String(r.int(1, 46)).padStart(2, '0');
  const shop = r.pick(SHOP_NAMES);
  if (r.chance(0.6)) {
    // Legal entity: region + tax office + 5-digit number + 1 check digit.
    const applied = r.weighted<number>([
      [1, 6],
      [2, 3],
      [4, 1],
    ]);
    return { inn: withInnCheckDigits(region + taxOffice + r.digits(5)), user: `ООО "${shop}"`, taxationType: applied, appliedTaxationType: applied, region, city, shop };
  }
  // Individual entrepreneur: region + tax office + 6-digit number + 2 check digits; often УСН together with ПСН.
  const surname = r.pick(SURNAMES);
  const applied = r.weighted<number>([
    [2, 5],
    [32, 2],
    [1, 1],
  ]);
  const taxationType = applied === 2 && r.chance(0.5) ? 2 | 32 : applied;
  return {
    inn: withInnCheckDigits(region + taxOffice + r.digits(6)),
    user: `ИП ${surname} ${r.pick(['А.', 'В.', 'С.', 'Е.'])}${r.pick(['И.', 'П.', 'Н.'])}`,
    taxationType,
    appliedTaxationType: applied,
    region,
    city,
    shop,
  };
}

/**
 * Registration number (1037): a 10-digit ordinal and 6 check digits. The check digits here are the CRC-16/CCITT of
 * ordinal + INN (12, zero-padded) + serial (20, zero-padded) in decimal — the scheme commonly quoted; nothing in this
 * project relies on it.
 */
function kktRegIdFor(ordinal: string, inn: string, serial: string): string {
  const text = Buffer.from(ordinal + inn.padStart(12, '0') + serial.padStart(20, '0'), 'ascii');
  return ordinal + String(crc16(text)).padStart(6, '0');
}

export function makeRegisterIdentity(index: number, options: IdentityOptions): RegisterIdentity {
  const tag = fleetTag(options.seed);
  const owner = makeOwner(options.seed, Math.floor(index / REGISTERS_PER_OWNER));
  const r = new Prng(`${options.seed}:register:${index}`);
  const serial = `00${tag}${String(index).padStart(8, '0')}`;
  const ordinal = `${tag}${String(index).padStart(6, '0')}`;
  const house = r.int(1, 120);
  return {
    index,
    fiscalDriveNumber: `9999${tag}${String(index).padStart(8, '0')}`,
    kktRegId: kktRegIdFor(ordinal, owner.inn, serial),
    kktNumber: serial,
    userInn: owner.inn,
    user: owner.user,
    retailPlaceAddress: `${r.int(101000, 690999)}, ${owner.city}, ${r.pick(STREETS)}, д. ${house}`,
    retailPlace: `Магазин "${owner.shop}" №${index % 1000}`,
    sellerAddress: `shop${index}@example.ru`,
    cashiers: [r.pick(CASHIERS), r.pick(CASHIERS)],
    taxationType: owner.taxationType,
    appliedTaxationType: owner.appliedTaxationType,
    ffd: r.chance(options.ffd12Share) ? '1.2' : '1.05',
  };
}
