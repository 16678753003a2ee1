import { ArgsType, Field, Int } from 'type-graphql';

/** `conversations(first, after)`; an args class keeps the arguments in the contract's order. */
@ArgsType()
export class ConversationsArgs {
  /** 1–100 */
  @Field((_type) => Int, { nullable: true, defaultValue: 30 })
  first?: number | null;

  /** Continues towards older activity. */
  @Field((_type) => String, { nullable: true })
  after?: string | null;
}
