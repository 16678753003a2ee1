import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * The users subgraph owns `User`; chat hands out references (`{ id }`) that the router resolves
 * there, and adds what only chat knows about a person (`sharesConversationWithMe`), so the media
 * subgraph can ask it whom a file without a conversation is visible to.
 */
@ObjectType('User')
@Directive('@key(fields: "id")')
export class User {
  @Field((_type) => ID)
  id!: string;
}
