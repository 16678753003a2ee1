import { Field, ObjectType } from 'type-graphql';
import { Message } from '../entities/message.entity.js';

@ObjectType('MessageEdge')
export class MessageEdge {
  @Field((_type) => String)
  cursor!: string;

  @Field((_type) => Message)
  node!: Message;
}
