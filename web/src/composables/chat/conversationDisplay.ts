import type { ConversationSummaryFragment } from '../../graphql/generated/graphql';

/** How a conversation is named on screen: its title; for a direct chat, the other person. */
export function conversationName(conversation: ConversationSummaryFragment, viewerId: string | undefined): string {
  if (conversation.title) return conversation.title;
  const others = conversation.members.filter((member) => member.user.id !== viewerId).map((member) => member.user.displayName);
  if (conversation.kind === 'DIRECT') return others[0] ?? 'Just you';
  if (others.length === 0) return 'Just you';
  return others.length <= 3 ? others.join(', ') : `${others.slice(0, 3).join(', ')} and ${others.length - 3} more`;
}

/** The time a message or a conversation shows: the hour today, the day this week, else the date. */
export function shortTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const age = now.getTime() - date.getTime();
  if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (age < 6 * 24 * 3600_000) return date.toLocaleDateString(undefined, { weekday: 'short' });
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => [...word][0]!.toUpperCase());
  return (letters.length > 1 ? letters[0]! + letters.at(-1)! : (letters[0] ?? '?')).slice(0, 2);
}
