import { AuditLog, SECURITY_ACTIONS, type EntityManager, type Viewer } from '@chirpchat/kit';
import type { AuditEvent } from '../types/audit-event.type.js';

/** What a person may read of the audit trail: the security events of their own account. */
export class SecurityEventsService {
  /**
   * Sign-ins (also failed ones naming their account), refresh-token reuse, password and session
   * changes, push subscriptions: events the viewer did or that concern them, newest first.
   * @throws BadUserInputError for `first` outside 1–100 or an unknown `before`
   */
  async list(em: EntityManager, viewer: Viewer, first: number, before?: string | null): Promise<AuditEvent[]> {
    const records = await AuditLog.list(em, { actions: SECURITY_ACTIONS, userId: viewer.id, first, before });
    return records.map((record) => ({ ...record, role: null }));
  }
}
