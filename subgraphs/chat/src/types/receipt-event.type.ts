import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ReceiptKind } from './receipt-kind.enum.js';
import { User } from './user.type.js';

/** Another member's delivered or read cursor moved forward to `seq`. */
@ObjectType('ReceiptEvent')
export class ReceiptEvent {
  @Field((_type) => ID)
  conversationId!: string;

  /** Whose cursor moved. */
  @Field((_type) => User)
  user!: User;

  /** READ also means delivered up to `seq`. */
  @Field((_type) => ReceiptKind)
  kind!: ReceiptKind;

  @Field((_type) => Int)
  seq!: number;
}
