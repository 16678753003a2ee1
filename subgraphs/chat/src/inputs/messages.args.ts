import { ArgsType, Field, Int } from 'type-graphql';

/** `Conversation.messages(first, before, after)`; see API.md, "Paging". */
@ArgsType()
export class MessagesArgs {
  /** 1–100 */
  @Field((_type) => Int, { nullable: true, defaultValue: 50 })
  first?: number | null;

  /** The `first` messages just older than this cursor. */
  @Field((_type) => String, { nullable: true })
  before?: string | null;

  /** The `first` messages just newer than this cursor. */
  @Field((_type) => String, { nullable: true })
  after?: string | null;
}
