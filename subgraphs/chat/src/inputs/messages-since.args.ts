import { ArgsType, Field, ID, Int } from 'type-graphql';

/** `messagesSince(conversationId, afterSeq, first)`: a client's catch-up after a gap or a reconnect. */
@ArgsType()
export class MessagesSinceArgs {
  @Field((_type) => ID)
  conversationId!: string;

  /** The last seq the client has; 0 for everything. */
  @Field((_type) => Int)
  afterSeq!: number;

  /** 1–500 */
  @Field((_type) => Int, { nullable: true, defaultValue: 200 })
  first?: number | null;
}
