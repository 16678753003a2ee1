import { ArgsType, Field, ID, Int } from 'type-graphql';

/** `conversationAuditLog(conversationId, first, before)`: a page of a conversation's audit events, newest first. */
@ArgsType()
export class ConversationAuditLogArgs {
  @Field((_type) => ID)
  conversationId!: string;

  /** 1–100. */
  @Field((_type) => Int, { nullable: true, defaultValue: 50 })
  first!: number;

  /** The last event of the previous page: the page continues with older ones. */
  @Field((_type) => ID, { nullable: true })
  before?: string | null;
}
