/**
 * The operator's staff in the cabinet: users whose e-mail is listed in `OFD_OPERATOR_EMAILS`. The operator token is a
 * bearer secret for scripts and integrations; a person works in the cabinet signed in as themselves, so their actions
 * are theirs (user id in logs and audit) and their access ends when the list or the account changes.
 */

/** The `operator` flag of a user principal: set only for the staff, so other principals stay exactly as they were. */
export function staffFlag(operatorEmails: ReadonlySet<string> | undefined, email: string): { operator?: true } {
  return operatorEmails?.has(email.toLowerCase()) ? { operator: true } : {};
}
