import { Field, ObjectType } from 'type-graphql';
import { ConversationEdge } from './conversation-edge.type.js';
import { PageInfo } from './page-info.type.js';

/** A page of the viewer's conversations, newest activity first. */
@ObjectType('ConversationConnection')
export class ConversationConnection {
  @Field((_type) => [ConversationEdge])
  edges!: ConversationEdge[];

  @Field((_type) => PageInfo)
  pageInfo!: PageInfo;
}
