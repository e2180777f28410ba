// Document tables (migration 0002). `documents`, `marking_codes` and `document_events` are range partitioned by month on
// received_at (the document's); `document_keys` holds one row per (fn, fd); `receipt_items` is a view (migration 0054).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { PackedRawContainer } from '../raw-container.js';
import type { Defaulted, Int8, Jsonb, JsonObject, LocalDateTime, Numeric, Timestamptz } from '../column-types.js';

/** (fn, fd, received_at): how every per-document row names its document. received_at has millisecond precision. */
interface DocumentKeyColumns {
  /** 1041 fiscalDriveNumber, digits only. */
  fn: string;
  /** 1040 fiscalDocumentNumber, uint32. */
  fd: Int8;
  /** When the gateway received the (first stored copy of the) document; the partition key. */
  received_at: Timestamptz;
}

/**
 * The registry of stored documents: primary key (fn, fd). Written first, with `on conflict do nothing`. Since migration
 * 0078 it also holds the ack written to the register when that came first (document-acks.repository.ts).
 */
export interface DocumentKeysTable extends DocumentKeyColumns {
  /** When our ack was written to the register's socket, if its report came before the document; else see document_acks. */
  acked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** 1022 of that ack: 0 accepted, 14 ФЛК failed, 11 not recognised; null with acked_at. */
  ack_code: ColumnType<number | null, number | null | undefined, number | null>;
  /**
   * Its number (migration 0080, sequence document_key_slots), given as the persist worker writes it; null: stored before.
   * fns_plain_answers names the FNS's plain answers by it: group fns_slot >> 6, position fns_slot & 63.
   */
  fns_slot: ColumnType<number | null, number | string | null | undefined, never>;
}
export type DocumentKey = Selectable<DocumentKeysTable>;

export const signStatuses = ['verified', 'unverified'] as const;
/** verified: the crypto box checked ФПС/ФПД; unverified: accepted without checking (OFD_CRYPTO=none). */

export type SignStatus = (typeof signStatuses)[number];

export const flkStatuses = ['passed', 'failed'] as const;
export type FlkStatus = (typeof flkStatuses)[number];

export interface DocumentsTable extends DocumentKeyColumns {
  /** Form code (document type), spec §4: 1 fiscalReport, 3 receipt, 5 closeShift, ... */
  form: number;
  /** 1209: 1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2. */
  ffd_version: number | null;
  /** 1012, the register's local wall clock. */
  date_time: LocalDateTime | null;
  kkt_reg_id: string | null;
  user_inn: string | null;
  register_id: Int8 | null;
  outlet_id: Int8 | null;
  shift_number: Int8 | null;
  request_number: Int8 | null;
  /** 1054: 1 sell, 2 sell return, 3 buy, 4 buy return. */
  operation_type: number | null;
  /** Kopecks. */
  total_sum: Int8 | null;
  cash_total_sum: Int8 | null;
  ecash_total_sum: Int8 | null;
  prepaid_sum: Int8 | null;
  credit_sum: Int8 | null;
  provision_sum: Int8 | null;
  /** ФПД as printed: the last 4 bytes of tag 1077 as a BE uint32. */
  fiscal_sign: Int8 | null;
  /** ФПС: the 8-byte trailer sign as a BE uint64, decimal string. */
  message_fiscal_sign: Numeric | null;
  /**
   * The container as received, its 32-byte header included (`rawData` is the part after the header), packed as raw_codec
   * says (migration 0063): read it only through unpackRawContainer (src/db/raw-container.ts). Written packed
   * (packRawContainer) or, with raw_codec null, as received.
   */
  raw_container: ColumnType<PackedRawContainer, Buffer, Buffer>;
  /**
   * How raw_container is packed: null as received, 1 deflate with dictionary v1, 2 the same followed by the drive's
   * context (raw_contexts, migration 0081) (src/db/raw-container.ts).
   */
  raw_codec: number | null;
  /** 1055 appliedTaxationType. The FNS JSON itself is not stored: it is derived from raw_container (src/db/fns-json.ts). */
  taxation_type: number | null;
  /** VAT totals 1102–1107 in kopecks (FNS JSON nds18, nds10, nds0, ndsNo, nds18118, nds10110). */
  nds20_sum: Int8 | null;
  nds10_sum: Int8 | null;
  nds0_base: Int8 | null;
  nds_no_base: Int8 | null;
  nds20_120_sum: Int8 | null;
  nds10_110_sum: Int8 | null;
  /** 1008 buyerPhoneOrAddress as written. */
  buyer_contact: string | null;
  /**
   * The receipt's item names (1059, in document order; null: none) as stored before migration 0070; rows stored since
   * hold ids instead (item_name_id_chars, item_name_ids). Read them through storedItemNames, in SQL
   * (src/db/item-name-dictionary.ts). Their price, quantity and sum are read from the raw container (migration 0066,
   * src/db/stored-items.ts). The view receipt_items reads the names as rows.
   */
  item_names: (string | null)[] | null;
  /**
   * The item names' ids in item_name_dictionary, in document order (migration 0070); null element: an item without 1030.
   * Since migration 0083 only for a receipt with an id beyond item_name_id_chars' reach.
   */
  item_name_ids: (number | null)[] | null;
  /**
   * The same ids, one character each (migration 0083, src/db/item-name-id-chars.ts): what rows stored since hold. Read
   * all three through `ofd_item_names(item_name_id_chars, item_name_ids, item_names)` (storedItemNames).
   */
  item_name_id_chars: string | null;
  /** The crypto adapter that checked the signs (devsign, pkz, none); null on rows stored before migration 0053. */
  crypto: string | null;
  /** null: verified (migration 0077; read through signStatusOf, src/db/document-outcome.ts). */
  sign_status: ColumnType<SignStatus | null, SignStatus, SignStatus>;
  /** null: passed (migration 0077; flkStatusOf, flkStatusIs). */
  flk_status: ColumnType<FlkStatus | null, FlkStatus, FlkStatus>;
  /** ФЛК rule codes that failed; empty (or null since migration 0077: flkCodesOf) when passed. */
  flk_codes: ColumnType<string[] | null, string[] | undefined, string[]>;
  /** 1022 as answered: 0 accepted, 14 ФЛК failed. */
  ack_code: number | null;
  acked_at: Timestamptz | null;
  persisted_at: Defaulted<Timestamptz>;
  reprocessed_at: Timestamptz | null;
}
export type DocumentRow = Selectable<DocumentsTable>;

/**
 * One distinct receipt item name of an organization (migration 0070): never updated nor deleted, so an id names the
 * same text forever.
 */
export interface ItemNameDictionaryTable {
  id: Generated<number>;
  /** The documents' user_inn (1018); '' for documents without one. */
  user_inn: string;
  name: string;
}
/**
 * A fiscal drive's context for packing its raw containers (migration 0081, src/db/raw-contexts.ts): its first receipt
 * as the OFD stored it. Never updated nor deleted: every codec-2 container of the drive names it by key.
 */
export interface RawContextsTable {
  /** The first 8 bytes of the SHA-256 of the container as received (big-endian, signed): read it as text. */
  key: string;
  fn: string;
  /** The document the context is (its documents row is stored without a context: a copy of its own). */
  fd: number;
  /** The container, packed as raw_codec says (null: as received; 1: dictionary v1; never 2). */
  container: Buffer;
  raw_codec: number | null;
  created_at: Generated<Date>;
}
export type NewDocumentRow = Insertable<DocumentsTable>;
export type DocumentRowUpdate = Updateable<DocumentsTable>;

/**
 * The view `receipt_items` (migrations 0054, 0066): a document's item names, one row each. Read-only. What an item
 * says beyond its name (price, quantity, sum, unit, VAT, marking code) is read from the raw container.
 */
export interface ReceiptItemsTable extends DocumentKeyColumns {
  /** Position of the 1059 item in the document, from 0. */
  item_index: number;
  name: string | null;
}
export type ReceiptItem = Selectable<ReceiptItemsTable>;

export interface MarkingCodesTable extends DocumentKeyColumns {
  item_index: number;
  code: string;
  code_type: string | null;
  gtin: string | null;
  operation_type: number | null;
  process_mode: number | null;
  check_result: number | null;
}
export type MarkingCode = Selectable<MarkingCodesTable>;
export type NewMarkingCode = Insertable<MarkingCodesTable>;
export type MarkingCodeUpdate = Updateable<MarkingCodesTable>;

export interface DocumentEventsTable extends DocumentKeyColumns {
  id: Generated<number>;
  at: Defaulted<Timestamptz>;
  /** What happened: received, acked, persisted, flk_failed, reprocessed, forwarded, ... (open vocabulary). */
  kind: string;
  detail: Jsonb<JsonObject> | null;
}
export type DocumentEvent = Selectable<DocumentEventsTable>;
export type NewDocumentEvent = Insertable<DocumentEventsTable>;
