import { useQuery } from '@vue/apollo-composable';
import { computed, type Ref } from 'vue';
import { toFailure } from '../../graphql/errors';
import { ConversationAuditLogDocument, MySecurityEventsDocument, type AuditEventFieldsFragment } from '../../graphql/generated/graphql';

/** The viewer's own security activity (sign-ins, sessions, push subscriptions), newest first. */
export function useSecurityEvents() {
  const query = useQuery(MySecurityEventsDocument, { first: 50 }, { fetchPolicy: 'network-only' });
  return {
    events: computed<AuditEventFieldsFragment[]>(() => query.result.value?.mySecurityEvents ?? []),
    loading: query.loading,
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
    refetch: () => query.refetch(),
  };
}

/** A conversation's membership and moderation events, for its owners, newest first. */
export function useConversationAuditLog(conversationId: Ref<string>) {
  const query = useQuery(ConversationAuditLogDocument, () => ({ conversationId: conversationId.value, first: 50 }), {
    fetchPolicy: 'network-only',
  });
  return {
    events: computed<AuditEventFieldsFragment[]>(() => query.result.value?.conversationAuditLog ?? []),
    loading: query.loading,
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
  };
}

const labels: Record<string, string> = {
  'sign_in.succeeded': 'Signed in',
  'sign_in.failed': 'Failed sign-in',
  'refresh_token.reused': 'A used session token was presented again: every session from it was signed out',
  'password.changed': 'Password changed',
  'session.revoked': 'Session signed out',
  'account.deleted': 'Account deleted',
  'push_subscription.added': 'Notifications turned on in a browser',
  'push_subscription.removed': 'Notifications turned off in a browser',
  'member.added': 'Member added',
  'member.removed': 'Member removed',
  'member.left': 'Member left',
  'member.role_changed': 'Role changed',
  'message.deleted_for_everyone': 'Message deleted for everyone',
  'media.deleted': 'File deleted',
};

/** What an event says in a sentence's worth of words. */
export function auditLabel(event: AuditEventFieldsFragment): string {
  const label = labels[event.action] ?? event.action;
  const target = event.targetUser && event.targetUser.id !== event.actor?.id ? ` — ${event.targetUser.displayName}` : '';
  const role = event.action === 'member.role_changed' && event.role ? ` to ${event.role.toLowerCase()}` : '';
  return `${label}${role}${target}`;
}
