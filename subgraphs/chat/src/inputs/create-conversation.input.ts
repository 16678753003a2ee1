import { Field, ID, InputType } from 'type-graphql';
import { ConversationKind } from '../entities/conversation-kind.enum.js';

@InputType('CreateConversationInput')
export class CreateConversationInput {
  @Field((_type) => ConversationKind)
  kind!: ConversationKind;

  /** Required for CHANNEL, optional for GROUP, absent for DIRECT. */
  @Field((_type) => String, { nullable: true })
  title?: string | null;

  /** The other people to add; the caller is added as OWNER whether listed or not. */
  @Field((_type) => [ID])
  memberIds!: string[];
}
