import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * Chat owns `Conversation`; notifications adds the viewer's mute state to it, so a client reads
 * `conversation { muted mutedUntil }` in the same query as the rest.
 */
@ObjectType('Conversation')
@Directive('@key(fields: "id")')
export class Conversation {
  @Field((_type) => ID)
  id!: string;
}
