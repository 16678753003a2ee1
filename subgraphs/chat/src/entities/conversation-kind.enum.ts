import { registerEnumType } from 'type-graphql';

/** What sort of conversation it is; the kind decides the rules for title and members. */
export enum ConversationKind {
  /** Two people; at most one per pair. */
  DIRECT = 'DIRECT',
  GROUP = 'GROUP',
  CHANNEL = 'CHANNEL',
}

registerEnumType(ConversationKind, { name: 'ConversationKind' });
