import { ViewerDependent } from '@chirpchat/kit';
import { Field, Int, ObjectType } from 'type-graphql';
import { User } from './user.type.js';

/** One emoji on a message with everyone who chose it; a message lists them in order of first use. */
@ObjectType('ReactionSummary')
export class ReactionSummary {
  @Field((_type) => String)
  emoji!: string;

  @Field((_type) => Int)
  count!: number;

  @ViewerDependent()
  @Field((_type) => Boolean)
  reactedByMe!: boolean;

  /** Everyone who reacted with this emoji, earliest first. */
  @Field((_type) => [User])
  users!: User[];
}
