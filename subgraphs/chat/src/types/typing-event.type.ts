import { Field, ID, ObjectType } from 'type-graphql';
import { User } from './user.type.js';

/** Another member started or stopped typing; `typing: false` also comes when a typing state expires. */
@ObjectType('TypingEvent')
export class TypingEvent {
  @Field((_type) => ID)
  conversationId!: string;

  @Field((_type) => User)
  user!: User;

  @Field((_type) => Boolean)
  typing!: boolean;
}
