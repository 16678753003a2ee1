import type { Presence } from '../../graphql/generated/graphql';
import { shortTime } from '../chat/conversationDisplay';

/** "Online", or "Offline, last seen 14:05" (the day or date when longer ago). */
export function presenceLabel(person: { presence: Presence; lastSeenAt?: string | null }): string {
  if (person.presence === 'ONLINE') return 'Online';
  return person.lastSeenAt ? `Offline, last seen ${shortTime(person.lastSeenAt)}` : 'Offline';
}
