// Every migration, imported statically: works the same from the .ts sources (tsx, vitest) and from the compiled
// dist/ (dist/src/db → dist/migrations), with no directory scanning and no file-extension guessing.
// Adding a migration = a new file in migrations/ plus one line here; a test fails when the two disagree.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from '../../migrations/0001_registry.js';
import * as m0002 from '../../migrations/0002_documents.js';
import * as m0003 from '../../migrations/0003_fd_gaps.js';
import * as m0004 from '../../migrations/0004_dead_letters.js';
import * as m0005 from '../../migrations/0005_record_document_numbers.js';
import * as m0006 from '../../migrations/0006_fns_status.js';
import * as m0007 from '../../migrations/0007_api_access.js';
import * as m0008 from '../../migrations/0008_crpt.js';
import * as m0009 from '../../migrations/0009_reports.js';
import * as m0010 from '../../migrations/0010_notify.js';
import * as m0011 from '../../migrations/0011_notifications.js';
import * as m0012 from '../../migrations/0012_notification_outbox.js';
import * as m0013 from '../../migrations/0013_ofd_services.js';
import * as m0014 from '../../migrations/0014_documents_lz4.js';
import * as m0015 from '../../migrations/0015_persisted_scan_indexes.js';
import * as m0016 from '../../migrations/0016_fns_status_scan_indexes.js';
import * as m0017 from '../../migrations/0017_document_conflicts.js';
import * as m0022 from '../../migrations/0022_register_document_owners.js';
import * as m0023 from '../../migrations/0023_receipt_delivery_log.js';
import * as m0025 from '../../migrations/0025_cabinet_sessions.js';
import * as m0028 from '../../migrations/0028_exports.js';
import * as m0031 from '../../migrations/0031_onboarding.js';
import * as m0032 from '../../migrations/0032_team.js';
import * as m0033 from '../../migrations/0033_prepared_registers.js';
import * as m0035 from '../../migrations/0035_ledger.js';
import * as m0036 from '../../migrations/0036_tariffs.js';
import * as m0037 from '../../migrations/0037_card_payments.js';
import * as m0038 from '../../migrations/0038_market.js';
import * as m0039 from '../../migrations/0039_invoices.js';
import * as m0040 from '../../migrations/0040_kkt_applications.js';
import * as m0041 from '../../migrations/0041_signature_sign_in.js';
import * as m0046 from '../../migrations/0046_receipt_branding.js';
import * as m0047 from '../../migrations/0047_receipt_settings.js';
import * as m0051 from '../../migrations/0051_list_and_report_indexes.js';
import * as m0052 from '../../migrations/0052_export_retention.js';
import * as m0053 from '../../migrations/0053_documents_without_fns_json.js';
import * as m0054 from '../../migrations/0054_receipt_items_in_documents.js';
import * as m0057 from '../../migrations/0057_document_acks.js';
import * as m0058 from '../../migrations/0058_message_prices.js';
import * as m0059 from '../../migrations/0059_branded_receipt_service.js';
import * as m0060 from '../../migrations/0060_banner_images.js';
import * as m0063 from '../../migrations/0063_packed_raw_containers.js';
import * as m0064 from '../../migrations/0064_fns_answer_in_status.js';
import * as m0066 from '../../migrations/0066_item_values_from_raw.js';
import * as m0067 from '../../migrations/0067_document_keys_one_index.js';
import * as m0068 from '../../migrations/0068_fns_status_without_updated_at_index.js';
import * as m0069 from '../../migrations/0069_organization_name_reported_at.js';
import * as m0070 from '../../migrations/0070_item_name_dictionary.js';
import * as m0071 from '../../migrations/0071_notify_delivery_charge_key.js';
import * as m0072 from '../../migrations/0072_fns_leases.js';
import * as m0073 from '../../migrations/0073_fillfactor_for_rows_updated_in_place.js';
import * as m0074 from '../../migrations/0074_fns_status_lean_row.js';
import * as m0075 from '../../migrations/0075_report_item_daily_by_name_id.js';
import * as m0076 from '../../migrations/0076_packed_partition_layout.js';
import * as m0077 from '../../migrations/0077_documents_outcome_null_as_usual.js';
import * as m0078 from '../../migrations/0078_document_keys_acks.js';
import * as m0079 from '../../migrations/0079_register_list_index_lean.js';
import * as m0080 from '../../migrations/0080_fns_plain_answers.js';
import * as m0081 from '../../migrations/0081_raw_contexts.js';
import * as m0082 from '../../migrations/0082_raw_contexts_kept.js';
import * as m0083 from '../../migrations/0083_item_name_id_chars.js';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_registry': m0001,
  '0002_documents': m0002,
  '0003_fd_gaps': m0003,
  '0004_dead_letters': m0004,
  '0005_record_document_numbers': m0005,
  '0006_fns_status': m0006,
  '0007_api_access': m0007,
  '0008_crpt': m0008,
  '0009_reports': m0009,
  '0010_notify': m0010,
  '0011_notifications': m0011,
  '0012_notification_outbox': m0012,
  '0013_ofd_services': m0013,
  '0014_documents_lz4': m0014,
  '0015_persisted_scan_indexes': m0015,
  '0016_fns_status_scan_indexes': m0016,
  '0017_document_conflicts': m0017,
  '0022_register_document_owners': m0022,
  '0023_receipt_delivery_log': m0023,
  '0025_cabinet_sessions': m0025,
  '0028_exports': m0028,
  '0031_onboarding': m0031,
  '0032_team': m0032,
  '0033_prepared_registers': m0033,
  '0035_ledger': m0035,
  '0036_tariffs': m0036,
  '0037_card_payments': m0037,
  '0038_market': m0038,
  '0039_invoices': m0039,
  '0040_kkt_applications': m0040,
  '0041_signature_sign_in': m0041,
  '0046_receipt_branding': m0046,
  '0047_receipt_settings': m0047,
  '0051_list_and_report_indexes': m0051,
  '0052_export_retention': m0052,
  '0053_documents_without_fns_json': m0053,
  '0054_receipt_items_in_documents': m0054,
  '0057_document_acks': m0057,
  '0058_message_prices': m0058,
  '0059_branded_receipt_service': m0059,
  '0060_banner_images': m0060,
  '0063_packed_raw_containers': m0063,
  '0064_fns_answer_in_status': m0064,
  '0066_item_values_from_raw': m0066,
  '0067_document_keys_one_index': m0067,
  '0068_fns_status_without_updated_at_index': m0068,
  '0069_organization_name_reported_at': m0069,
  '0070_item_name_dictionary': m0070,
  '0071_notify_delivery_charge_key': m0071,
  '0072_fns_leases': m0072,
  '0073_fillfactor_for_rows_updated_in_place': m0073,
  '0074_fns_status_lean_row': m0074,
  '0075_report_item_daily_by_name_id': m0075,
  '0076_packed_partition_layout': m0076,
  '0077_documents_outcome_null_as_usual': m0077,
  '0078_document_keys_acks': m0078,
  '0079_register_list_index_lean': m0079,
  '0080_fns_plain_answers': m0080,
  '0081_raw_contexts': m0081,
  '0082_raw_contexts_kept': m0082,
  '0083_item_name_id_chars': m0083,
});

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
