import { Field, ObjectType } from 'type-graphql';
import { Conversation } from '../entities/conversation.entity.js';

@ObjectType('ConversationEdge')
export class ConversationEdge {
  @Field((_type) => String)
  cursor!: string;

  @Field((_type) => Conversation)
  node!: Conversation;
}
