/**
 * Which of the organization's notifications are about one register: its own (`register:<id>`: silent, the paid OFD
 * service ending), its fiscal drives' (`fn:<FN>`, `document:<FN>:<FD>`), and the KKT registration applications that
 * name its РНМ (`kkt.application`, subject `application:<id>`, the РНМ in the data once the FNS gave it).
 */
export interface NotificationLike {
  readonly kind: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
}

export function isAboutRegister(n: NotificationLike, r: { id: number; fns: readonly string[]; registrationNumber?: string | undefined }): boolean {
  if (n.subject === `register:${r.id}`) return true;
  if (r.fns.some((fn) => n.subject === `fn:${fn}` || n.subject.startsWith(`document:${fn}:`))) return true;
  return n.kind === 'kkt.application' && r.registrationNumber !== undefined && n.data['kktRegId'] === r.registrationNumber;
}
