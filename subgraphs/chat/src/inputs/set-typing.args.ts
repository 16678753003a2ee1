import { ArgsType, Field, ID } from 'type-graphql';

/** `setTyping(conversationId, typing)`; an args class keeps the contract's argument order. */
@ArgsType()
export class SetTypingArgs {
  @Field((_type) => ID)
  conversationId!: string;

  @Field((_type) => Boolean)
  typing!: boolean;
}
