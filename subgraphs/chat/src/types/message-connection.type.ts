import { Field, ObjectType } from 'type-graphql';
import { MessageEdge } from './message-edge.type.js';
import { PageInfo } from './page-info.type.js';

/** A page of a conversation's history, always in ascending `seq`. */
@ObjectType('MessageConnection')
export class MessageConnection {
  @Field((_type) => [MessageEdge])
  edges!: MessageEdge[];

  @Field((_type) => PageInfo)
  pageInfo!: PageInfo;
}
