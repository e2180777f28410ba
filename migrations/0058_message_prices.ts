// What one e-receipt costs per channel (issue 17): catalogue data, like the Маркет's products.
//
// message_prices: per channel, `units` taken from the organization's SMS package for one message (0: free — e-mail),
//   and `postpaid_price`, kopecks per unit sent on credit and billed at the end of the month; null means the Маркет's
//   `sms-postpaid` price (so SMS keep the one price the Маркет shows). A Viber message that falls back to SMS is
//   charged as the SMS that was delivered: the Viber charge is given back.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table message_prices (
      channel text primary key check (channel in ('email', 'sms', 'viber')),
      title text not null,
      units integer not null check (units >= 0),
      postpaid_price bigint check (postpaid_price >= 0),
      sort integer not null default 0
    )
  `.execute(db);
  await sql`
    insert into message_prices (channel, title, units, postpaid_price, sort) values
      ('email', 'Чек на e-mail', 0, 0, 1),
      ('sms', 'Чек по SMS', 1, null, 2),
      ('viber', 'Чек в Viber', 1, 100, 3)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists message_prices`.execute(db);
}
