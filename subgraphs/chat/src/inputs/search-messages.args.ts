import { ArgsType, Field, ID, Int } from 'type-graphql';

/** `searchMessages(query, conversationId, first)`. */
@ArgsType()
export class SearchMessagesArgs {
  /** 1–200 characters, read like a web search: words, "a phrase", or, -word. */
  @Field((_type) => String)
  query!: string;

  /** Searches only this conversation; every conversation of the viewer without it. */
  @Field((_type) => ID, { nullable: true })
  conversationId?: string | null;

  /** 1–50 */
  @Field((_type) => Int, { nullable: true, defaultValue: 20 })
  first?: number | null;
}
