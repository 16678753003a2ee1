import { ArgsType, Field, ID } from 'type-graphql';

/** `addMembers(conversationId, userIds)`; an args class keeps the arguments in the contract's order. */
@ArgsType()
export class AddMembersArgs {
  @Field((_type) => ID)
  conversationId!: string;

  /** 1–256 users; those already in the conversation are left as they are. */
  @Field((_type) => [ID])
  userIds!: string[];
}
