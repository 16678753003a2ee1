import { registerEnumType } from 'type-graphql';

/** How far a message has got, as its sender sees it: the point every other member has reached. */
export enum MessageStatus {
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
}

registerEnumType(MessageStatus, { name: 'MessageStatus' });
