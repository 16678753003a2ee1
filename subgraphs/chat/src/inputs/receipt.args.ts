import { ArgsType, Field, ID, Int } from 'type-graphql';

/** `markDelivered` / `markRead(conversationId, seq)`; an args class keeps the contract's argument order. */
@ArgsType()
export class ReceiptArgs {
  @Field((_type) => ID)
  conversationId!: string;

  /** 1 to the conversation's `lastSeq`. */
  @Field((_type) => Int)
  seq!: number;
}
