import { ArgsType, Field, ID } from 'type-graphql';

/** `muteConversation(conversationId, until)`. */
@ArgsType()
export class MuteConversationArgs {
  @Field((_type) => ID)
  conversationId!: string;

  /** When the mute ends; left out or null: until unmuted. Must be in the future. */
  @Field((_type) => Date, { nullable: true })
  until?: Date | null;
}
