import { ArgsType, Field, ID } from 'type-graphql';

/** `removeMember(conversationId, userId)`: one member of one conversation. */
@ArgsType()
export class MemberArgs {
  @Field((_type) => ID)
  conversationId!: string;

  @Field((_type) => ID)
  userId!: string;
}
