import { ArgsType, Field, ID } from 'type-graphql';

/** `addReaction(messageId, emoji)` and `removeReaction(messageId, emoji)`. */
@ArgsType()
export class ReactionArgs {
  @Field((_type) => ID)
  messageId!: string;

  /** Exactly one emoji, such as 👍 or ❤️. */
  @Field((_type) => String)
  emoji!: string;
}
