// Acknowledgements actually written to a register's socket (migration 0057): one row per (fn, fd).
import type { ColumnType } from 'kysely';
import type { Timestamptz } from '../column-types.js';

export interface DocumentAcksTable {
  /** bigint: insert the 16 digits as a string; read it as fn::text (the int8 parser refuses 16-digit values). */
  fn: ColumnType<never, string, never>;
  fd: ColumnType<number, number, never>;
  acked_at: Timestamptz;
  /** 1022 of the ack written: 0 accepted, 14 ФЛК failed, 11 not recognised. */
  ack_code: number;
}
